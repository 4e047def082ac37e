# The platform's own processes on the local stack: the development token issuer and every
# service under services/. Source after common.sh and infra.sh.
# shellcheck shell=bash

# Fixed local ports, one per service; a service exists when its folder does.
declare -A SERVICE_PORTS=([residents]=8081 [jobs]=8082 [subsidies]=8083 [loans]=8084 [training]=8085 [insights]=8086)
ISSUER_PORT=8099
[[ "$INFRA_PROFILE" == test ]] && ISSUER_PORT=8199
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

issuer_key_file() { echo "$STATE/issuer-key.json"; }

# Development secrets, made once per machine and kept outside the repository.
platform_secrets() {
  local file="$STATE/secrets.env"
  if [[ ! -f "$file" ]]; then
    mkdir -p "$STATE"
    umask 077
    {
      echo "PII_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64 -w0)"
      echo "PII_HASH_KEY=$(head -c 32 /dev/urandom | base64 -w0)"
    } >"$file"
  fi
  echo "$file"
}

start_issuer() {
  if pid_alive "$PIDS/issuer.pid" && port_open "$ISSUER_PORT"; then return; fi
  nohup node "$ROOT/packages/testing/src/dev-issuer.ts" "$(issuer_key_file)" "$ISSUER_PORT" >"$LOGS/issuer.log" 2>&1 &
  echo $! >"$PIDS/issuer.pid"
  wait_for 15 "token issuer" port_open "$ISSUER_PORT"
}

service_env() {
  local name="$1"
  echo "SERVICE_NAME=$name"
  echo "HTTP_PORT=${SERVICE_PORTS[$name]}"
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
  cat "$(platform_secrets)"
}

service_ready() { curl -fs -o /dev/null "http://127.0.0.1:$1/readyz"; }

start_service() {
  local name="$1" port="${SERVICE_PORTS[$1]}"
  if pid_alive "$PIDS/$name.pid" && service_ready "$port"; then return; fi
  (
    set -a
    # shellcheck disable=SC1090
    source <(service_env "$name")
    set +a
    cd "$ROOT"
    exec nohup node "services/$name/src/main.ts" >>"$LOGS/$name.log" 2>&1
  ) &
  echo $! >"$PIDS/$name.pid"
}

wait_service() {
  local name="$1" port="${SERVICE_PORTS[$1]}"
  local deadline=$((SECONDS + 60))
  until service_ready "$port"; do
    if ! pid_alive "$PIDS/$name.pid"; then tail -20 "$LOGS/$name.log" >&2; die "$name exited during start (log: $LOGS/$name.log)"; fi
    ((SECONDS < deadline)) || { tail -20 "$LOGS/$name.log" >&2; die "$name not ready after 60s (log: $LOGS/$name.log)"; }
    sleep 0.3
  done
}

platform_start() {
  infra_start
  start_issuer
  local name
  for name in $(platform_services); do start_service "$name"; done
  for name in $(platform_services); do wait_service "$name"; done
}

platform_stop() {
  local name
  for name in $(platform_services); do stop_pid "$PIDS/$name.pid" "$name"; done
  stop_pid "$PIDS/issuer.pid" "token issuer"
  infra_stop
}

platform_status() {
  infra_status
  local s
  if port_open "$ISSUER_PORT"; then s=up; else s=down; fi
  printf '  %-10s %-5s http://127.0.0.1:%s/.well-known/jwks.json\n' issuer "$s" "$ISSUER_PORT"
  for name in $(platform_services); do
    if service_ready "${SERVICE_PORTS[$name]}"; then s=ready; elif pid_alive "$PIDS/$name.pid"; then s=starting; else s=down; fi
    printf '  %-10s %-5s http://127.0.0.1:%s\n' "$name" "$s" "${SERVICE_PORTS[$name]}"
  done
}
