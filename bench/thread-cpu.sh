#!/usr/bin/env bash
# CPU used by each thread group of a running JVM over an interval, from /proc (noise-free: it counts only
# that process's own CPU, whatever else runs on the machine). Used for the analysis in bench/RESULTS.md.
#
#   bench/thread-cpu.sh PID SECONDS [OPERATIONS]
#
# Thread names have their digits folded (vert.x-eventloop-thread-0/1 → vert.x-eventloop-thread-N).
# With OPERATIONS (e.g. the requests served meanwhile) it also prints milliseconds of CPU per operation.
set -euo pipefail
pid=$1; secs=$2; ops=${3:-0}
snap() {
  for t in /proc/"$pid"/task/*; do
    name=$(sed 's/[0-9]\+/N/g; s/ /_/g' "$t/comm" 2>/dev/null) || continue
    # utime + stime are fields 14 and 15 of stat; the name in parentheses may contain spaces
    awk -v n="$name" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print n, f[12] + f[13] }' "$t/stat" 2>/dev/null || true
  done | awk '{ a[$1] += $2 } END { for (k in a) print k, a[k] }' | sort
}
a=$(snap); sleep "$secs"; b=$(snap)
hz=$(getconf CLK_TCK)
join <(echo "$a") <(echo "$b") | awk -v hz="$hz" -v s="$secs" -v ops="$ops" '
  { d = ($3 - $2) / hz; if (d > 0) printf "%-32s %6.3f cores%s\n", $1, d / s, (ops > 0 ? sprintf("  %7.3f ms/op", d * 1000 / ops) : "") }' \
  | sort -k2 -nr
