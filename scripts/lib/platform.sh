# The platform's own processes on the local stack: the development token issuer and every
# service under services/, each in one or more replicas. Source after common.sh and infra.sh.
# shellcheck shell=bash

# Fixed local ports, one per service; a service exists when its folder does. Replica k (1 to 9) of
# a service listens on its port + 20 × (k − 1), the way Kubernetes runs several pods of one
# Deployment: residents 8081, 8101, 8121…, jobs 8082, 8102… (a step of 20 never lands on the
# issuer's port or on Kafka's 9092/9093 and 9192/9193 under an offset of 1000).
declare -A SERVICE_PORTS=([residents]=8081 [jobs]=8082 [subsidies]=8083 [loans]=8084 [training]=8085 [insights]=8086)
REPLICA_PORT_STEP=20
MAX_REPLICAS=9
ISSUER_PORT=8099
# A test-profile platform (scripts/chaos) keeps clear of a development platform's ports.
if [[ "$INFRA_PROFILE" == test ]]; then
  ISSUER_PORT=8199
  for name in "${!SERVICE_PORTS[@]}"; do SERVICE_PORTS[$name]=$((SERVICE_PORTS[$name] + 200)); done
fi
# A second platform on the same machine (INFRA_PORT_OFFSET, see infra.sh) moves these too.
if [[ -n "${INFRA_PORT_OFFSET:-}" ]]; then
  ISSUER_PORT=$((ISSUER_PORT + INFRA_PORT_OFFSET))
  for name in "${!SERVICE_PORTS[@]}"; do SERVICE_PORTS[$name]=$((SERVICE_PORTS[$name] + INFRA_PORT_OFFSET)); done
fi

platform_services() {
  local name
  for dir in "$ROOT"/services/*/; do
    name="$(basename "$dir")"
    [[ -f "$dir/src/main.ts" && -n "${SERVICE_PORTS[$name]:-}" ]] && echo "$name"
  done
}

# replica_id NAME K: what names replica K in pid and log files and in scripts/status (residents,
# residents-2, residents-3…). replica_port NAME K: where it listens.
replica_id() { if (($2 == 1)); then echo "$1"; else echo "$1-$2"; fi; }
replica_port() { echo $((SERVICE_PORTS[$1] + REPLICA_PORT_STEP * ($2 - 1))); }

# The replicas each service runs: what the last scripts/start asked for (scripts/stop forgets it).
platform_replicas() {
  local n
  n="$(cat "$STATE/replicas" 2>/dev/null || true)"
  [[ "$n" =~ ^[1-9]$ ]] && echo "$n" || echo 1
}

# replica_ids NAME: the replicas of NAME that have a pid file, wanted or not (for stop and status).
replica_ids() {
  local f id
  for f in "$PIDS/$1.pid" "$PIDS/$1"-[0-9].pid; do
    [[ -e "$f" ]] || continue
    id="$(basename "$f" .pid)"
    echo "$id"
  done
}

issuer_key_file() { echo "$STATE/issuer-key.json"; }

# Development secrets, made once per stack and kept outside the repository. platform_start makes
# them before any service starts (services start side by side, and each reads them). The file is
# written whole under a temporary name and then published by a hard link, which is atomic and
# fails when the file exists: no reader ever sees a half-written file, and two starts running at
# once agree on one set of keys.
platform_secrets() {
  local file="$STATE/secrets.env"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$STATE"
    local tmp
    tmp="$(mktemp "$STATE/.secrets.env.XXXXXX")" # mode 600
    {
      echo "PII_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64 -w0)"
      echo "PII_HASH_KEY=$(head -c 32 /dev/urandom | base64 -w0)"
    } >"$tmp"
    ln "$tmp" "$file" 2>/dev/null || true # another start published its keys first: keep them
    rm -f "$tmp"
  fi
  echo "$file"
}

start_issuer() {
  if pid_alive "$PIDS/issuer.pid"; then
    wait_for 15 "token issuer" port_open "$ISSUER_PORT"
    return
  fi
  log "starting the token issuer"
  nohup node "$ROOT/packages/testing/src/dev-issuer.ts" "$(issuer_key_file)" "$ISSUER_PORT" >"$LOGS/issuer.log" 2>&1 &
  echo $! >"$PIDS/issuer.pid"
  wait_for 15 "token issuer" port_open "$ISSUER_PORT"
}

# service_env NAME [PORT [ID]]: the environment of one replica (default: replica 1). The secrets
# must exist (platform_secrets).
service_env() {
  local name="$1" port="${2:-${SERVICE_PORTS[$1]}}" id="${3:-$1}"
  local secrets="$STATE/secrets.env"
  [[ -s "$secrets" ]] || die "no development secrets at $secrets (platform_start makes them)"
  echo "SERVICE_NAME=$name"
  echo "HTTP_PORT=$port"
  echo "KAFKA_CLIENT_ID=$id"
  echo "MONGODB_URL=$MONGODB_URL"
  echo "MONGODB_DATABASE=$name"
  echo "MONGODB_MAX_POOL_SIZE=$MONGODB_MAX_POOL_SIZE"
  echo "KAFKA_BROKERS=$KAFKA_BROKERS"
  echo "KAFKA_TOPIC_PARTITIONS=6"
  echo "REDIS_URL=$REDIS_URL"
  echo "AUTH_JWKS_URL=http://127.0.0.1:$ISSUER_PORT/.well-known/jwks.json"
  echo "LOG_LEVEL=${LOG_LEVEL:-info}"
  # Rate limits that bind, as in a cluster (docs/security.md): 300 requests a minute per client,
  # 120 a minute per address that do not authenticate. The load test's clients (scripts/load: ids
  # load-<run>-...) get the quota its peak needs, by configuration like any other client.
  echo "RATE_LIMIT_PER_MINUTE=300"
  echo "RATE_LIMIT_PER_ADDRESS_PER_MINUTE=120"
  echo "RATE_LIMIT_CLIENT_QUOTAS='{\"load-*\":100000}'"
  cat "$secrets"
}

service_ready() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/readyz"; }

# start_service NAME [K]: starts replica K (default 1) unless its process is alive. A live process
# is left alone, ready or not: it may still be starting, or waiting for a dependency that is
# coming back, and a second one on its port could only fail.
start_service() {
  local name="$1" k="${2:-1}" id port
  id="$(replica_id "$name" "$k")"
  port="$(replica_port "$name" "$k")"
  pid_alive "$PIDS/$id.pid" && return 0
  log "starting $id on port $port"
  (
    set -a
    # shellcheck disable=SC1090
    source <(service_env "$name" "$port" "$id")
    set +a
    cd "$ROOT"
    exec nohup node "services/$name/src/main.ts" >>"$LOGS/$id.log" 2>&1
  ) &
  echo $! >"$PIDS/$id.pid"
}

# How long a replica may take to become ready. The first start on a fresh stack creates the topics,
# the broker's offsets topic and the indexes; on two busy cores (load average 30, other stacks
# testing) that took jobs more than 60 s.
SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-120}"

wait_service() {
  local name="$1" k="${2:-1}" id port
  id="$(replica_id "$name" "$k")"
  port="$(replica_port "$name" "$k")"
  local deadline=$((SECONDS + SERVICE_START_TIMEOUT))
  until service_ready "$port"; do
    if ! pid_alive "$PIDS/$id.pid"; then tail -20 "$LOGS/$id.log" >&2; die "$id exited during start (log: $LOGS/$id.log)"; fi
    ((SECONDS < deadline)) || { tail -20 "$LOGS/$id.log" >&2; die "$id not ready after ${SERVICE_START_TIMEOUT}s (log: $LOGS/$id.log)"; }
    sleep 0.3
  done
}

# platform_start [REPLICAS]: brings up whatever of the platform is not running (infrastructure,
# token issuer, every replica of every service) and leaves what runs alone; then waits until all
# are ready. REPLICAS (1-9) defaults to what the running platform was started with, else 1;
# replicas beyond it are stopped.
platform_start() {
  local replicas="${1:-$(platform_replicas)}" name k id
  [[ "$replicas" =~ ^[1-9]$ ]] || die "replicas must be 1 to $MAX_REPLICAS (got '$replicas')"
  infra_dirs
  platform_secrets >/dev/null
  infra_start
  start_issuer
  echo "$replicas" >"$STATE/replicas"
  for name in $(platform_services); do
    for ((k = 1; k <= replicas; k++)); do start_service "$name" "$k"; done
    for id in $(replica_ids "$name"); do
      if [[ "$id" =~ -([0-9])$ ]] && ((BASH_REMATCH[1] > replicas)); then stop_pid "$PIDS/$id.pid" "$id"; fi
    done
  done
  for name in $(platform_services); do
    for ((k = 1; k <= replicas; k++)); do wait_service "$name" "$k"; done
  done
}

platform_stop() {
  local name id
  for name in $(platform_services); do
    for id in $(replica_ids "$name"); do stop_pid "$PIDS/$id.pid" "$id"; done
  done
  stop_pid "$PIDS/issuer.pid" "token issuer"
  rm -f "$STATE/replicas"
  infra_stop
}

# service_state PORT PIDFILE: ready, starting (a live process not yet ready), not-ready (it was
# ready and a dependency check now fails: which ones follow, after a space), or down (no live
# process).
service_state() {
  local port="$1" pidfile="$2" body
  if ! pid_alive "$pidfile"; then echo down; return; fi
  body="$(curl -s --max-time 2 "http://127.0.0.1:$port/readyz" || true)"
  if [[ "$body" == *'"status":"ready"'* ]]; then echo ready; return; fi
  # /readyz lists its checks: "pending" until each has run once, "failing: …" afterwards.
  local failing
  failing="$(grep -o '"[a-z]*":"failing' <<<"$body" | cut -d'"' -f2 | paste -sd, || true)"
  if [[ -n "$failing" ]]; then echo "not-ready $failing"; else echo starting; fi
}

# platform_status: one line per part and per replica; returns how many are not up and ready.
platform_status() {
  local bad=0 s note name k id port replicas
  infra_status || bad=$?
  replicas="$(platform_replicas)"
  if port_open "$ISSUER_PORT"; then s=up; elif pid_alive "$PIDS/issuer.pid"; then s=starting; else s=down; fi
  if [[ "$s" != up ]]; then bad=$((bad + 1)); fi
  printf '  %-12s %-10s http://127.0.0.1:%s/.well-known/jwks.json\n' issuer "$s" "$ISSUER_PORT"
  for name in $(platform_services); do
    # The wanted replicas, and any other one still running.
    local ids=()
    for ((k = 1; k <= replicas; k++)); do ids+=("$k"); done
    for id in $(replica_ids "$name"); do
      if [[ "$id" =~ -([0-9])$ ]] && ((BASH_REMATCH[1] > replicas)); then ids+=("${BASH_REMATCH[1]}"); fi
    done
    for k in "${ids[@]}"; do
      id="$(replica_id "$name" "$k")"
      port="$(replica_port "$name" "$k")"
      s="$(service_state "$port" "$PIDS/$id.pid")"
      note=""
      if [[ "$s" == down && -f "$PIDS/$id.pid" ]]; then note="  (its process is gone: scripts/start brings it back)"; fi
      if [[ "$s" == not-ready* ]]; then note="  (failing: ${s#not-ready })"; s=not-ready; fi
      if [[ "$s" != ready ]]; then bad=$((bad + 1)); fi
      printf '  %-12s %-10s http://127.0.0.1:%s%s\n' "$id" "$s" "$port" "$note"
    done
  done
  return "$bad"
}
