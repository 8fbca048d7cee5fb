#!/usr/bin/env bash
# Ctrl Plane benchmark: one command on a 2-core machine.
#
#   bench/run.sh            full run (~12 min): prints a markdown table and writes it to bench/RESULTS.md
#   bench/run.sh --smoke    tiny scale (about a minute once built), for CI: writes target/bench/RESULTS-smoke.md
#   bench/run.sh --only reads,writes   run some steps only (bare reads pgbench kafka e2e events writes active)
#   bench/run.sh --no-build            use target/ctrlplane.jar as it is
#
# Starts its own stack (`ctrlplane dev`: every role in one JVM with embedded PostgreSQL and Kafka, fresh
# data under target/bench/dev) on fixed ports (moved up to the next free one if taken), or uses an
# external stack named by BENCH_API_URL, BENCH_PG_URL (postgresql://host:port/db), BENCH_PG_USER,
# BENCH_PG_PASSWORD, BENCH_KAFKA_BOOTSTRAP and BENCH_API_KEY (a key with the read and deploy scopes; the
# dev stack's own admin key is read from its data directory). Load comes from separate JVMs (io.ctrlplane.bench.*,
# src/bench/java) at fixed arrival rates; see bench/RESULTS.md for what each row means.
#
# Other settings: BENCH_STACK_JAVA_OPTS (e.g. a JFR recording) for the stack JVM, BENCH_WRITE_RATES,
# BENCH_ATTEMPTS (default 3: a latency run during which other processes used > 0.25 core is repeated up to
# this many runs in all and the quietest kept; a missed write-ramp step is retried as often).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

MODE=full
BUILD=auto
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) MODE=smoke ;;
    --no-build) BUILD=no ;;
    --only) ONLY="$2"; shift ;;
    --only=*) ONLY="${1#--only=}" ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

WORK=target/bench
JAR=target/ctrlplane.jar
RESULTS="$WORK/results.jsonl"
COMMANDS="$WORK/commands.txt"
META="$WORK/meta.md"
mkdir -p "$WORK"
rm -f "$RESULTS" "$COMMANDS" "$META"

# ---- scale -------------------------------------------------------------------------------------------
if [ "$MODE" = full ]; then
  READ_RATE=500; READ_WARMUP=10; READ_SECS=30; PREWARM=20; ATTEMPTS=${BENCH_ATTEMPTS:-3}
  BIG_RELEASES=10000; MANY_INSTANCES=999; MANY_RELEASES=991
  BARE_HIGH_RATE=5000; WRK_SECS=10
  PGB_CLIENTS=8; PGB_SECS=20; PGB_INSTANCES=1000
  KAFKA_BURST=100000; KAFKA_RATE=1000; KAFKA_WARMUP=5; KAFKA_SECS=20
  E2E_INSTANCES=48; E2E_PER_INSTANCE=8; E2E_WARM=2; E2E_FEW_SLOTS=2
  EVENT_RATE=10; EVENT_WARMUP=5; EVENT_SECS=30; EVENT_DRAIN=3
  WRITE_RATES=${BENCH_WRITE_RATES:-25,50,100,150,200,300,400,500,600,800,1000,1200,1500,2000}
  WRITE_FIRST_WARMUP=10; WRITE_WARMUP=3; WRITE_SECS=10
  ACTIVE_COUNTS=${BENCH_ACTIVE_COUNTS:-1000,5000,10000}; ACTIVE_WINDOW=30; ACTIVE_STATS_MS=5000; HOL_COUNT=50
else
  READ_RATE=100; READ_WARMUP=1; READ_SECS=2; PREWARM=1; ATTEMPTS=1
  BIG_RELEASES=200; MANY_INSTANCES=9; MANY_RELEASES=50
  BARE_HIGH_RATE=300; WRK_SECS=1
  PGB_CLIENTS=4; PGB_SECS=3; PGB_INSTANCES=10
  KAFKA_BURST=2000; KAFKA_RATE=200; KAFKA_WARMUP=1; KAFKA_SECS=1
  E2E_INSTANCES=3; E2E_PER_INSTANCE=2; E2E_WARM=1; E2E_FEW_SLOTS=2
  EVENT_RATE=5; EVENT_WARMUP=1; EVENT_SECS=2; EVENT_DRAIN=1
  WRITE_RATES=${BENCH_WRITE_RATES:-20,40}
  WRITE_FIRST_WARMUP=1; WRITE_WARMUP=1; WRITE_SECS=2
  ACTIVE_COUNTS=${BENCH_ACTIVE_COUNTS:-20,40,60}; ACTIVE_WINDOW=4; ACTIVE_STATS_MS=1000; HOL_COUNT=5
fi

step_on() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
LOADS=""
log() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  LOADS="$LOADS${LOADS:+, }$load"
  printf '\n== %s [%s, load %s]\n' "$*" "$(date -u +%H:%M:%S)" "$load" >&2
}
# Runs a command and records it, as typed, for RESULTS.md.
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
rec() {
  local a line=""
  for a in "$@"; do line="$line${line:+ }$(quote "$a")"; done
  printf '%s\n' "$line" >> "$COMMANDS"
  "$@"
}
note_cmd() { printf '%s\n' "$*" >> "$COMMANDS"; }

# ---- tools -------------------------------------------------------------------------------------------
install_tools() {
  local missing=()
  command -v psql >/dev/null || missing+=(postgresql-client)
  command -v pgbench >/dev/null || missing+=(postgresql-contrib)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v kcat >/dev/null || missing+=(kcat)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >"$WORK/apt.log" 2>&1 \
        || echo "bench: apt-get install ${missing[*]} failed (see $WORK/apt.log); steps needing them are skipped" >&2
    else
      echo "bench: not root, cannot install ${missing[*]}; steps needing them are skipped" >&2
    fi
  fi
  for t in java psql pgbench; do
    command -v "$t" >/dev/null || { echo "bench: $t is required" >&2; exit 1; }
  done
}

# ---- build -------------------------------------------------------------------------------------------
build() {
  local why="" listing=""
  [ -f "$JAR" ] && listing=$(unzip -l "$JAR" 2>/dev/null || jar tf "$JAR" 2>/dev/null || true)
  if [ ! -f "$JAR" ]; then why="no jar"
  elif ! grep -q 'io/ctrlplane/bench/BenchMain.class' <<<"$listing"; then why="jar lacks src/bench"
  elif ! grep -q 'io/ctrlplane/dev/DevCommand.class' <<<"$listing"; then why="jar lacks dev mode"
  elif [ -n "$(find src pom.xml conf -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then why="sources changed"
  fi
  if [ -n "$why" ]; then
    [ "$BUILD" = no ] && { echo "bench: --no-build but $why" >&2; exit 1; }
    log "building the dev+bench jar ($why)"
    rec mvn -B -q -Pdev,bench -DskipTests package
  fi
}

# ---- processes ---------------------------------------------------------------------------------------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  local keep=()
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

wait_http() { # url seconds
  local i
  for i in $(seq 1 $(($2 * 5))); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "bench: $1 did not answer within $2 s" >&2
  return 1
}

BENCH_JAVA=(java -Xms256m -Xmx1g -cp "$JAR" io.ctrlplane.bench.BenchMain)
bench() { rec "${BENCH_JAVA[@]}" "$@" --out "$RESULTS"; }

# ---- machine -----------------------------------------------------------------------------------------
describe_machine() {
  local cpu mem jdk
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  jdk=$(java -version 2>&1 | head -2 | tr '\n' ' ' | sed 's/ *$//')
  {
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), mode: $MODE, git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "- Machine: $(nproc) cores ($cpu), $mem memory, $(uname -sr)"
    echo "- JDK: $jdk"
    echo "- Tools: $(pgbench --version 2>/dev/null | head -1); $(command -v wrk >/dev/null && echo 'wrk 4.1 (Debian)' || echo 'no wrk'); $(command -v kcat >/dev/null && kcat -V 2>/dev/null | head -1 || echo 'no kcat')"
    echo "- Load average before the run (other work on the machine): $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Busiest processes before the run (top, 1 s): $(top -bn2 -d1 -o %CPU 2>/dev/null | awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ {printf "%s %s%%, ", $12, $9; if (++k == 4) exit}' | sed 's/, $//')"
  } >> "$META"
}

# ---- stack -------------------------------------------------------------------------------------------
start_stack() {
  if [ -n "${BENCH_API_URL:-}" ]; then
    : "${BENCH_PG_URL:?set BENCH_PG_URL=postgresql://host:port/db with BENCH_API_URL}"
    : "${BENCH_KAFKA_BOOTSTRAP:?set BENCH_KAFKA_BOOTSTRAP with BENCH_API_URL}"
    API="$BENCH_API_URL"
    PG_URL="$BENCH_PG_URL"
    PG_USER="${BENCH_PG_USER:-postgres}"
    PG_PASSWORD="${BENCH_PG_PASSWORD:-}"
    KAFKA="$BENCH_KAFKA_BOOTSTRAP"
    : "${BENCH_API_KEY:?set BENCH_API_KEY (an API key with the read and deploy scopes) with BENCH_API_URL}"
    echo "- Stack: external (API $API, PostgreSQL $PG_URL, Kafka $KAFKA)" >> "$META"
  else
    local http pg kafka
    http=$(pick_port 18480); pg=$(pick_port 15480); kafka=$(pick_port 19480)
    rm -rf "$WORK/dev"
    log "starting the dev stack (HTTP $http, PostgreSQL $pg, Kafka $kafka)"
    # shellcheck disable=SC2086
    note_cmd "env CTRLPLANE_DEV_ROLES=api,relay,webhooks CTRLPLANE_API_RATE_LIMIT_ENABLED=false CTRLPLANE_HTTP_PORT=$http CTRLPLANE_DEV_PG_PORT=$pg CTRLPLANE_DEV_KAFKA_PORT=$kafka CTRLPLANE_DEV_DATA_DIR=target/bench/dev java ${BENCH_STACK_JAVA_OPTS:-}${BENCH_STACK_JAVA_OPTS:+ }-jar target/ctrlplane.jar dev --fresh &"
    # shellcheck disable=SC2086
    env CTRLPLANE_DEV_ROLES=api,relay,webhooks CTRLPLANE_API_RATE_LIMIT_ENABLED=false CTRLPLANE_HTTP_PORT=$http CTRLPLANE_DEV_PG_PORT=$pg CTRLPLANE_DEV_KAFKA_PORT=$kafka \
      CTRLPLANE_DEV_DATA_DIR="$WORK/dev" java ${BENCH_STACK_JAVA_OPTS:-} -jar "$JAR" dev --fresh \
      > "$WORK/stack.log" 2>&1 &
    STACK_PID=$!
    PIDS+=("$STACK_PID")
    API="http://localhost:$http"
    PG_URL="postgresql://localhost:$pg/ctrlplane"
    PG_USER=postgres
    PG_PASSWORD=""
    KAFKA="127.0.0.1:$kafka"
    if ! wait_http "$API/health/ready" 120; then
      tail -30 "$WORK/stack.log" >&2
      exit 1
    fi
    # dev mode made an admin key in its data directory; the load generators read it from the environment,
    # so it never appears in a recorded command line
    BENCH_API_KEY=$(cat "$WORK/dev/admin-api-key")
    echo "- Stack: \`ctrlplane dev\` with roles api (2 HTTP verticles), relay and webhooks in one JVM with the embedded PostgreSQL 14 (fsync=off, synchronous_commit=off) and single-node KRaft Kafka 4.2.1; runners are separate \`serve --roles runner\` processes (1 runner verticle each, 8 moves in flight: runner.max_concurrent), started only for items 3 and 4$( [ -n "${BENCH_STACK_JAVA_OPTS:-}" ] && echo ", options ${BENCH_STACK_JAVA_OPTS}")" >> "$META"
  fi
  export BENCH_API_KEY
  # postgresql://host:port/db → libpq environment for psql and pgbench, and a JDBC URL
  local rest=${PG_URL#postgresql://}
  rest=${rest#postgres://}
  local hostport=${rest%%/*}
  export PGHOST=${hostport%%:*} PGPORT=${hostport##*:} PGDATABASE=${rest#*/} PGUSER=$PG_USER PGPASSWORD=$PG_PASSWORD
  PG_JDBC="jdbc:postgresql://$hostport/$PGDATABASE"
}

# ---- steps -------------------------------------------------------------------------------------------
step_bare() {
  local port
  port=$(pick_port 18490)
  log "baseline: bare Vert.x route on $port"
  note_cmd "${BENCH_JAVA[*]} bare --port $port --instances 2 &"
  "${BENCH_JAVA[@]}" bare --port "$port" --instances 2 > "$WORK/bare.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_http "http://localhost:$port/bare" 30
  bench http --id base.bare --what "Bare Vert.x route (constant JSON)" --url "http://localhost:$port" \
    --path /bare --rate "$READ_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS" --prewarm "$PREWARM"
  bench http --id base.bare.high --what "Bare Vert.x route, high rate" --url "http://localhost:$port" \
    --path /bare --rate "$BARE_HIGH_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS"
  if command -v wrk >/dev/null; then
    rec wrk -t1 -c32 -d"${WRK_SECS}s" --latency "http://localhost:$port/bare" > "$WORK/wrk-bare.txt"
    bench wrk --id base.bare.wrk --what "Bare Vert.x route, most it serves (wrk)" --file "$WORK/wrk-bare.txt" \
      --load "wrk -t1 -c32, ${WRK_SECS} s"
  fi
  stop_pid "$pid"
}

step_reads() {
  log "item 1: loading one instance with $BIG_RELEASES releases"
  rec psql -X -q -v ON_ERROR_STOP=1 -v n="$BIG_RELEASES" -f bench/load-big-instance.sql
  local big=inst_00000000000000000000000000 # bench/load-big-instance.sql
  local path="/v1/instances/$big/releases?limit=20"
  local deep # the page after version 120: 495th of 500, where a cursor filter instead of an index bound would scan ~9 900 rows
  deep="$path&cursor=$(printf 'r:120' | base64 | tr '+/' '-_' | tr -d '=')"
  curl -sf -H "Authorization: Bearer $BENCH_API_KEY" -o "$WORK/sample-releases.json" "$API$path" || { echo "bench: $API$path failed" >&2; exit 1; }
  bench http --id reads.10k --what "GET releases?limit=20, instance with $BIG_RELEASES releases" --url "$API" \
    --path "$path" --rate "$READ_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS" --prewarm "$PREWARM"
  bench http --id reads.10k.deep --what "GET releases?limit=20&cursor=…, page 495 of 500, same instance" --url "$API" \
    --path "$deep" --rate "$READ_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS"
  if command -v wrk >/dev/null; then
    rec wrk -t1 -c32 -d"${WRK_SECS}s" --latency -s bench/auth.lua "$API$path" > "$WORK/wrk-reads.txt"
    bench wrk --id reads.10k.wrk --what "GET releases?limit=20, most it serves (wrk)" --file "$WORK/wrk-reads.txt" \
      --load "wrk -t1 -c32, ${WRK_SECS} s, instance with $BIG_RELEASES releases"
  fi
  log "item 1: loading $MANY_INSTANCES instances × $MANY_RELEASES releases"
  local t0=$SECONDS
  rec psql -X -q -v ON_ERROR_STOP=1 -v ninst="$MANY_INSTANCES" -v nrel="$MANY_RELEASES" -f bench/load-many-instances.sql
  local total
  total=$(psql -X -Atc "SELECT count(*) || ' releases across ' || count(DISTINCT instance_id) || ' instances' FROM releases")
  echo "- Item 1 data: $total, bulk-loaded with SQL in $((SECONDS - t0)) s (bench/load-*.sql)" >> "$META"
  psql -X -Atc "SELECT '/v1/instances/' || id || '/releases?limit=20' FROM instances WHERE name LIKE 'bench-%'" \
    > "$WORK/read-paths.txt"
  # a random page of each instance: cursor = a random version (the API's cursor is base64url of r:<version>)
  psql -X -Atc "SELECT '/v1/instances/' || id || '/releases?limit=20&cursor='
                  || rtrim(translate(encode(convert_to('r:' || (21 + floor(random() * (last_version - 20)))::int, 'UTF8'),
                                            'base64'), '+/', '-_'), '=')
                FROM instances WHERE name LIKE 'bench-%'" > "$WORK/read-deep-paths.txt"
  bench http --id reads.1m.same --what "GET releases?limit=20, same instance, database of $total" --url "$API" \
    --path "$path" --rate "$READ_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS"
  bench http --id reads.1m.random --what "GET releases?limit=20, random instance, database of $total" \
    --url "$API" --paths-file "$WORK/read-paths.txt" --rate "$READ_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS"
  bench http --id reads.1m.deep --what "GET releases?limit=20&cursor=…, random instance, random page, database of $total" \
    --url "$API" --paths-file "$WORK/read-deep-paths.txt" --rate "$READ_RATE" --warmup "$READ_WARMUP" --duration "$READ_SECS" --attempts "$ATTEMPTS"
}

step_pgbench() {
  log "baseline: pgbench, one deploy transaction"
  local db=bench_pgbench
  psql -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null
  rec psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
  note_cmd "pg_dump -s $PGDATABASE | psql -d $db"
  pg_dump -s "$PGDATABASE" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" > /dev/null
  rec psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v ninst="$PGB_INSTANCES" -f bench/pgbench-setup.sql
  rm -rf "$WORK/pgbench"; mkdir -p "$WORK/pgbench"
  # the CPU meter runs inside pgbench's run (processes that end before the meter does would be missed)
  note_cmd "pgbench -n -M prepared -c $PGB_CLIENTS -j 2 -T $PGB_SECS -D ninst=$PGB_INSTANCES -f bench/deploy.pgbench.sql -l --log-prefix=$WORK/pgbench/pgbench_log bench_pgbench"
  pgbench -n -M prepared -c "$PGB_CLIENTS" -j 2 -T "$PGB_SECS" -D ninst="$PGB_INSTANCES" \
    -f bench/deploy.pgbench.sql -l --log-prefix="$WORK/pgbench/pgbench_log" "$db" > "$WORK/pgbench/report.txt" 2>&1 &
  local pgb=$!
  sleep 1
  "${BENCH_JAVA[@]}" cpu --seconds "$(( PGB_SECS > 8 ? PGB_SECS - 6 : 1 ))" --file "$WORK/pgbench/cpu.json" || true
  wait "$pgb" || { cat "$WORK/pgbench/report.txt" >&2; return 1; }
  bench pgbench --id base.pgbench --what "pgbench: the deploy transaction's SQL (bench/deploy.pgbench.sql)" \
    --log-dir "$WORK/pgbench" --report "$WORK/pgbench/report.txt" --cpu-file "$WORK/pgbench/cpu.json" \
    --load "$PGB_CLIENTS clients, closed loop, $PGB_SECS s, -M prepared, $PGB_INSTANCES instances"
}

step_kafka() {
  log "baseline: Kafka producer"
  bench kafka --id base.kafka --bootstrap "$KAFKA" --burst "$KAFKA_BURST" --rate "$KAFKA_RATE" \
    --warmup "$KAFKA_WARMUP" --duration "$KAFKA_SECS" --size 1024
}

RUNNER_PIDS=()
RUNNER_SEQ=0
start_runner() { # starts one more `serve --roles runner` process against the stack's PostgreSQL; $1: its runner.max_concurrent
  local port slots=${1:-8}
  RUNNER_SEQ=$((RUNNER_SEQ + 1))
  local n=$RUNNER_SEQ # every runner process of the run has a log of its own
  port=$(pick_port $((18500 + n)))
  log "starting runner process $n (runner.max_concurrent $slots)"
  note_cmd "env ${RUNNER_ENV:-}${RUNNER_ENV:+ }CTRLPLANE_RUNNER_MAX_CONCURRENT=$slots CTRLPLANE_PG_URL=$PG_URL CTRLPLANE_PG_USER=$PG_USER CTRLPLANE_PG_PASSWORD=*** CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS=$KAFKA CTRLPLANE_HTTP_PORT=$port java -jar target/ctrlplane.jar serve --roles runner &"
  # shellcheck disable=SC2086
  env ${RUNNER_ENV:-} CTRLPLANE_RUNNER_MAX_CONCURRENT="$slots" CTRLPLANE_PG_URL="$PG_URL" CTRLPLANE_PG_USER="$PG_USER" CTRLPLANE_PG_PASSWORD="$PG_PASSWORD" \
    CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS="$KAFKA" CTRLPLANE_HTTP_PORT="$port" \
    java -jar "$JAR" serve --roles runner > "$WORK/runner$n.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  RUNNER_PIDS+=("$pid")
  for _ in $(seq 1 300); do
    grep -q "runner .* ready" "$WORK/runner$n.log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "bench: runner process $n did not start" >&2
  tail -20 "$WORK/runner$n.log" >&2
  return 1
}

stop_runners() {
  local pid
  for pid in "${RUNNER_PIDS[@]}"; do stop_pid "$pid"; done
  RUNNER_PIDS=()
}

e2e_row() { # $1 id, $2 what, $3 instance name prefix, then extra options
  local id=$1 what=$2 prefix=$3
  shift 3
  log "item 3: ${what#End-to-end deploys, }"
  bench e2e --id "$id" --what "$what" --url "$API" --pg-jdbc "$PG_JDBC" --pg-user "$PG_USER" \
    --pg-password "$PG_PASSWORD" --prefix "$prefix" --instances "$E2E_INSTANCES" \
    --per-instance "$E2E_PER_INSTANCE" --warm-per-instance "$E2E_WARM" "$@"
}

step_e2e() {
  start_runner
  e2e_row e2e.1 "End-to-end deploys, 1 runner process" e2e-one --paths-out "$WORK/e2e-paths.txt"
  start_runner
  e2e_row e2e.2 "End-to-end deploys, 2 runner processes" e2e-two
  stop_runners
  # the same with runners as the bottleneck (2 slots each), not the 2 cores: does adding a runner process add
  # its slots' worth of throughput?
  start_runner "$E2E_FEW_SLOTS"
  e2e_row e2e.slots.1 "End-to-end deploys, 1 runner process of $E2E_FEW_SLOTS slots" e2e-slots-one
  start_runner "$E2E_FEW_SLOTS"
  e2e_row e2e.slots.2 "End-to-end deploys, 2 runner processes of $E2E_FEW_SLOTS slots each" e2e-slots-two
  stop_runners # the events step starts its own
}

step_events() {
  [ ${#RUNNER_PIDS[@]} -gt 0 ] || start_runner
  if [ ! -s "$WORK/e2e-paths.txt" ]; then
    bench e2e --id e2e.setup --what setup --url "$API" --pg-jdbc "$PG_JDBC" --pg-user "$PG_USER" \
      --pg-password "$PG_PASSWORD" --prefix events --instances "$E2E_INSTANCES" --per-instance 0 \
      --paths-out "$WORK/e2e-paths.txt"
  fi
  log "item 4: event latency (1 runner process)"
  bench events --id events --url "$API" --paths-file "$WORK/e2e-paths.txt" --bootstrap "$KAFKA" \
    --pg-jdbc "$PG_JDBC" --pg-user "$PG_USER" --pg-password "$PG_PASSWORD" --rate "$EVENT_RATE" \
    --warmup "$EVENT_WARMUP" --duration "$EVENT_SECS" --drain "$EVENT_DRAIN"
  stop_runners
}

step_writes() {
  if [ -z "${BENCH_API_URL:-}" ]; then
    echo "- Item 2: no runner process runs during the write ramp (the dev JVM plays api, relay and webhooks only), so the POSTed deployments stay queued: the ramp measures the API, its transaction and the relay publishing deploy.queued, like the pgbench transaction plus the HTTP and Kafka parts" >> "$META"
  else
    echo "- Item 2: external stack: its own runners (if any) were running the POSTed deployments during the ramp" >> "$META"
  fi
  psql -X -Atc "SELECT '/v1/instances/' || id || '/deployments' FROM instances WHERE name LIKE 'bench-%'" \
    > "$WORK/write-paths.txt"
  if [ ! -s "$WORK/write-paths.txt" ]; then # --only writes: instances without the item 1 data
    rec psql -X -q -v ON_ERROR_STOP=1 -v ninst="$MANY_INSTANCES" -v nrel=1 -f bench/load-many-instances.sql
    psql -X -Atc "SELECT '/v1/instances/' || id || '/deployments' FROM instances WHERE name LIKE 'bench-%'" \
      > "$WORK/write-paths.txt"
  fi
  log "item 2: write ramp $WRITE_RATES req/s"
  bench ramp --id writes --what "POST deployments: highest rate with p99 ≤ 50 ms" --url "$API" --method POST \
    --paths-file "$WORK/write-paths.txt" --body '{"image": "registry.example/bench/app:write"}' \
    --rates "$WRITE_RATES" --p99-limit-ms 50 --first-warmup "$WRITE_FIRST_WARMUP" --warmup "$WRITE_WARMUP" \
    --duration "$WRITE_SECS" --prewarm "$PREWARM" --retries "$((ATTEMPTS - 1))"
  # every committed event should reach Kafka: how many are still waiting shortly after the ramp
  sleep 3
  echo "- Outbox rows not yet published 3 s after the write ramp: $(psql -X -Atc 'SELECT count(*) FROM outbox WHERE published_at IS NULL'); outbox rows in all: $(psql -X -Atc 'SELECT count(*) FROM outbox')" >> "$META"
  if command -v kcat >/dev/null; then
    echo "- Records on the events topic (kcat): $(kcat -b "$KAFKA" -C -t ctrlplane.deploy.events -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l)" >> "$META"
  fi
}

step_active() {
  # issue 19: one runner process holding ever more waiting deployments (cumulative: each row adds to the
  # last), then head-of-line blocking with a fresh runner; runs last, as it leaves thousands running
  stop_runners
  RUNNER_ENV="CTRLPLANE_RUNNER_MAX_ACTIVE=20000 CTRLPLANE_RUNNER_STATS_MS=$ACTIVE_STATS_MS" start_runner
  local pid=${RUNNER_PIDS[0]} prev=0 count label i=0 labels=(1k 5k 10k)
  local runner_log="$WORK/runner$RUNNER_SEQ.log"
  for count in ${ACTIVE_COUNTS//,/ }; do
    label=${labels[$i]}
    i=$((i + 1))
    log "item 19: $count active deployments in one runner process"
    bench active --mode mix --id "active.$label" --what "Active deployments in one runner: $count" \
      --url "$API" --pg-jdbc "$PG_JDBC" --pg-user "$PG_USER" --pg-password "$PG_PASSWORD" \
      --prefix "active-$count" --count "$count" --add "$((count - prev))" --window "$ACTIVE_WINDOW" \
      --runner-pid "$pid" --runner-log "$runner_log"
    prev=$count
  done
  stop_runners
  # the waiting deployments of the rows above are handed back: a fresh runner would claim them all, so end
  # them first (bench cleanup, straight in the database: the runner under test is not running)
  psql -X -q -c "UPDATE deployments SET state = 'cancelled', finished_at = now(), lease_owner = NULL WHERE state IN ('running', 'pending')"
  start_runner
  log "item 19: head-of-line, $HOL_COUNT paused canaries + $HOL_COUNT other deploys"
  bench active --mode hol --id hol --what "Head-of-line: $HOL_COUNT paused canaries + deploys to $HOL_COUNT other instances" \
    --url "$API" --pg-jdbc "$PG_JDBC" --pg-user "$PG_USER" --pg-password "$PG_PASSWORD" \
    --prefix hol --count "$HOL_COUNT"
  stop_runners
}

# ---- run ---------------------------------------------------------------------------------------------
install_tools
build
describe_machine
start_stack
step_on bare && step_bare
step_on reads && step_reads
step_on pgbench && step_pgbench
step_on kafka && step_kafka
step_on e2e && step_e2e
step_on events && step_events
stop_runners
step_on writes && step_writes
step_on active && step_active
echo "- 1-minute load average at the start of each step: $LOADS; after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$META"
cleanup

OUT="$ROOT/bench/RESULTS.md"
[ "$MODE" = smoke ] && OUT="$WORK/RESULTS-smoke.md"
[ -n "$ONLY" ] && [ "$MODE" = full ] && OUT="$WORK/RESULTS-partial.md"
# rows each step must produce: a step that produced none means the harness broke (non-zero exit)
EXPECT=""
expect() { EXPECT="$EXPECT${EXPECT:+,}$1"; }
step_on bare && expect base.bare,base.bare.high && command -v wrk >/dev/null && expect base.bare.wrk
step_on reads && expect reads.10k,reads.10k.deep,reads.1m.same,reads.1m.random,reads.1m.deep
step_on pgbench && expect base.pgbench
step_on kafka && expect base.kafka.burst,base.kafka.ack,base.kafka.e2e
step_on e2e && expect e2e.1,e2e.2,e2e.slots.1,e2e.slots.2
step_on events && expect events,events.queued,events.runner
step_on writes && expect writes
step_on active && expect active.1k,active.5k,active.10k,hol
"${BENCH_JAVA[@]}" report --results "$RESULTS" --meta "$META" --commands "$COMMANDS" --out "$OUT" \
  --title "$(date -u '+%Y-%m-%d') ($MODE)" --expect "$EXPECT"
