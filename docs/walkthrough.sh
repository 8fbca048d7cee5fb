#!/usr/bin/env bash
# Ctrl Plane in five minutes, with curl: create an instance, deploy, watch the rollout, list releases,
# roll back, and cancel a slow deploy. Needs bash and curl, nothing else.
#
#   ./docs/walkthrough.sh                          # against http://localhost:8080 (e.g. `ctrlplane dev`)
#   BASE_URL=http://ctrlplane.internal:8080 API_KEY=cp_… ./docs/walkthrough.sh
#
# Every /v1 call sends Authorization: Bearer $API_KEY (a key with the read and deploy scopes, or an admin
# key). Without API_KEY it reads the key dev mode made: .ctrlplane-dev/admin-api-key (docs/security.md).
#
# Every step prints what it did; the script stops at the first unexpected answer.
set -euo pipefail

BASE_URL="${BASE_URL:-http://localhost:8080}"
if [ -z "${API_KEY:-}" ] && [ -r .ctrlplane-dev/admin-api-key ]; then API_KEY=$(cat .ctrlplane-dev/admin-api-key); fi
: "${API_KEY:?set API_KEY to an API key (dev mode prints one and stores it in .ctrlplane-dev/admin-api-key)}"
NAME="${NAME:-demo-$(date +%s)-$$}"   # instance names are unique: make one up

# call METHOD PATH [JSON] [IDEMPOTENCY_KEY]: sets $STATUS (HTTP status), $BODY and $LOCATION.
call() {
  local args=(-sS -X "$1" "$BASE_URL$2" -D "$HEADERS" -w '\n%{http_code}' -H "Authorization: Bearer $API_KEY")
  if [ -n "${3:-}" ]; then args+=(-H 'Content-Type: application/json' --data "$3"); fi
  if [ -n "${4:-}" ]; then args+=(-H "Idempotency-Key: $4"); fi
  local out
  out=$(curl "${args[@]}")
  STATUS="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
  LOCATION=$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$HEADERS")
}
HEADERS=$(mktemp)
trap 'rm -f "$HEADERS"' EXIT

# field NAME [JSON]: the first "NAME": value in JSON ($BODY by default). Responses are compact JSON that
# list a resource's own fields before nested ones, so the first match is the resource's: no jq needed.
field() {
  printf '%s' "${2:-$BODY}" | grep -o "\"$1\":\(\"[^\"]*\"\|[^,}]*\)" | head -1 \
    | sed 's/^"[^"]*"://; s/^"//; s/"$//' || true
}

# progress NAME: a field of the deployment's progress object (phase, step, steps, message, blocked_on).
progress() {
  field "$1" "${BODY#*\"progress\":}"
}

# expect CODE: stop with the problem document unless the last call answered CODE.
expect() {
  if [ "$STATUS" != "$1" ]; then
    echo "expected HTTP $1, got $STATUS: $BODY" >&2
    exit 1
  fi
}

# watch DEPLOYMENT_ID: poll until the deployment ends, printing state and progress whenever they change.
watch() {
  local last="" line state
  for _ in $(seq 1 600); do
    call GET "/v1/deployments/$1"
    expect 200
    state=$(field state)
    line="$state, $(progress phase)"
    if [ -n "$(progress steps)" ]; then line="$line, step $(progress step)/$(progress steps)"; fi
    line="$line: $(progress message)"
    if [ "$line" != "$last" ]; then echo "    $line"; last=$line; fi
    case "$state" in succeeded|failed|cancelled|rolled_back) return 0 ;; esac
    sleep 0.2
  done
  echo "deployment $1 did not end in time" >&2
  exit 1
}

echo "== 0. wait until the server is ready ($BASE_URL)"
for _ in $(seq 1 60); do
  if curl -sf "$BASE_URL/health/ready" > /dev/null; then break; fi
  sleep 0.5
done
call GET /health/ready
expect 200

echo "== 1. create an instance: 3 replicas on the simulator (up 200 ms after start, ready 300 ms later)"
call POST /v1/instances '{"name": "'"$NAME"'", "replicas": 3,
  "provider_config": {"start_delay_ms": 200, "ready_delay_ms": 300}}'
expect 201
INSTANCE=$(field id)
echo "created instance $INSTANCE ($NAME) at $LOCATION"

echo "== 2. deploy an image: release v1, rolled out by the default strategy (rolling)"
# the Idempotency-Key makes a retry of this exact request safe: it would get the same answer back
call POST "/v1/instances/$INSTANCE/deployments" '{"image": "registry.example.com/acme/web:1.0.0",
  "env": {"GREETING": "hello"}, "notes": "first release", "commit_sha": "3f2a9c1"}' "walkthrough-$NAME-v1"
expect 202
V1=$(field id)
echo "accepted deployment $V1, follow it at $LOCATION"

echo "== 3. watch it roll out until it ends"
watch "$V1"
echo "deployment $V1 $(field state)"

echo "== 4. deploy v2 with a canary: 50% of traffic first, a 1 s pause, an analysis, then everything"
call POST "/v1/instances/$INSTANCE/deployments" '{"image": "registry.example.com/acme/web:1.1.0",
  "env": {"GREETING": "hi"}, "strategy": "canary",
  "strategy_params": {"steps": [{"set_weight": 50}, {"pause": {"seconds": 1}},
    {"analysis": {"min_requests": 20, "metrics": [{"name": "errors", "error_rate": {"max": 0.05},
                                                   "interval_seconds": 1, "count": 2}]}},
    {"set_weight": 100}]}}'
expect 202
V2=$(field id)
watch "$V2"
echo "deployment $V2 $(field state)"
call GET "/v1/deployments/$V2/analysis"
expect 200
printf '%s' "$BODY" | grep -o '"metric":"[^"]*","seq":[0-9]*' | sed 's/"metric":"\(.*\)","seq":\([0-9]*\)/  measured \1 #\2/'

echo "== 5. list the releases, newest first (immutable: every deploy and rollback adds one)"
call GET "/v1/instances/$INSTANCE/releases?limit=10"
expect 200
printf '%s' "$BODY" | grep -o '"version":[0-9]*,"image":"[^"]*"' | sed 's/"version":\([0-9]*\),"image":"\(.*\)"/  v\1 \2/'

echo "== 6. roll back to v1: a new release (v3) with v1's image and env"
call POST "/v1/instances/$INSTANCE/rollback" '{"version": 1}'
expect 202
ROLLBACK=$(field id)
watch "$ROLLBACK"
echo "rollback $ROLLBACK $(field state)"
call GET "/v1/instances/$INSTANCE"
expect 200
echo "instance $INSTANCE now runs v$(printf '%s' "$BODY" | grep -o '"current_release":{[^}]*}' | grep -o '"version":[0-9]*' | cut -d: -f2)"
call GET "/v1/deployments/$V2"
echo "the deployment it replaced, $V2, is now $(field state)"

echo "== 7. cancel a slow deploy: a canary that holds 10% of traffic for 5 minutes"
call POST "/v1/instances/$INSTANCE/deployments" '{"image": "registry.example.com/acme/web:2.0.0",
  "strategy": "canary", "strategy_params": {"steps": [{"set_weight": 10}, {"pause": {"seconds": 300}}]}}'
expect 202
SLOW=$(field id)
for _ in $(seq 1 150); do   # wait until it holds on the canary's pause
  call GET "/v1/deployments/$SLOW"
  if [ "$(progress blocked_on)" = "pause" ]; then break; fi
  sleep 0.2
done
echo "deployment $SLOW is $(field state): $(progress message)"
call POST "/v1/deployments/$SLOW/cancel"
expect 202
echo "cancel accepted (cancel_requested=$(field cancel_requested)); the runner reverts traffic to v3"
watch "$SLOW"
echo "deployment $SLOW $(field state)"

echo "== 8. a cancel that comes too late is refused with a problem document"
call POST "/v1/deployments/$SLOW/cancel"
expect 409
echo "HTTP $STATUS: $(field detail)"

echo "walkthrough complete"
