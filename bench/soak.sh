#!/usr/bin/env bash
# The soak (issue 21): the whole control plane as separate processes under a workload of deploys,
# rollbacks, cancels, pauses and promotes, while a fault schedule kills and restarts runners, relays,
# agents, the webhook dispatcher, the Kafka broker and PostgreSQL; then a ledger check. Prints one
# table; exits non-zero on any violation. See docs/reliability.md.
#
#   bench/soak.sh [minutes] [rounds]     e.g. bench/soak.sh 10 6   (default: 1.5 minutes, 1 round)
#
# Work directory: target/soak (logs of each process in target/child-logs). The table is also
# written to target/soak-table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-1.5}"
ROUNDS="${2:-}"
MVN="mvn -B -q ${SOAK_MVN_OFFLINE:--o}"
$MVN test-compile -Dspotless.check.skip=true
$MVN dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/soak.classpath >/dev/null
CP="target/test-classes:target/classes:$(cat target/soak.classpath)"
ARGS=(--minutes "$MINUTES" --out target/soak-table.md)
if [ -n "$ROUNDS" ]; then ARGS+=(--rounds "$ROUNDS"); fi
exec java -Xmx512m -cp "$CP" io.ctrlplane.soak.Soak "${ARGS[@]}"
