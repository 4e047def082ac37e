# Local infrastructure: PostgreSQL 15 + FerretDB v1 (MongoDB wire), Apache Kafka 4.1 (KRaft),
# Redis. Installed into the cache on first use and started per profile:
#   dev   the platform that scripts/start runs (data kept between runs)
#   test  the stack scripts/test runs (fresh data every run, stopped afterwards)
# Source after common.sh.
# shellcheck shell=bash

INFRA_PROFILE="${INFRA_PROFILE:-dev}"
KAFKA_VERSION="4.1.1"
FERRETDB_VERSION="v1.24.2"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

case "$INFRA_PROFILE" in
  dev)  PG_PORT=25432; FERRETDB_PORT=27017; KAFKA_PORT=9092; KAFKA_CONTROLLER_PORT=9093; REDIS_PORT=6379 ;;
  test) PG_PORT=25442; FERRETDB_PORT=27027; KAFKA_PORT=9192; KAFKA_CONTROLLER_PORT=9193; REDIS_PORT=6389 ;;
  *) die "unknown INFRA_PROFILE '$INFRA_PROFILE' (dev or test)" ;;
esac
# Two stacks of one profile on one machine (e.g. two checkouts testing at once) need apart ports.
if [[ -n "${INFRA_PORT_OFFSET:-}" ]]; then
  PG_PORT=$((PG_PORT + INFRA_PORT_OFFSET)); FERRETDB_PORT=$((FERRETDB_PORT + INFRA_PORT_OFFSET))
  KAFKA_PORT=$((KAFKA_PORT + INFRA_PORT_OFFSET)); KAFKA_CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + INFRA_PORT_OFFSET))
  REDIS_PORT=$((REDIS_PORT + INFRA_PORT_OFFSET))
fi

# Each stack keeps its own state: a second stack of the same profile (an offset) its own folder.
STACK_NAME="$INFRA_PROFILE${INFRA_PORT_OFFSET:+-$INFRA_PORT_OFFSET}"
STATE="$CACHE/state/$STACK_NAME"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
# PostgreSQL refuses to run as root, and the postgres user cannot enter root's home: when run as
# root its data folder lives where that user can reach it.
if [[ "$(id -u)" == 0 ]]; then
  PG_DATA="/var/tmp/employment-platform-$(printf '%s' "$CACHE" | sha256sum | cut -c1-8)/$STACK_NAME/postgres"
else
  PG_DATA="$STATE/postgres"
fi

export MONGODB_URL="mongodb://127.0.0.1:$FERRETDB_PORT"
# FerretDB v1 runs an update as a query that keeps its PostgreSQL connection while the write takes
# a second one: with as many concurrent updates as pooled connections, every update waits for a
# connection another holds, and the store hangs. The pool is therefore kept well above twice the
# store connections the local processes may open (each service caps its own with
# MONGODB_MAX_POOL_SIZE); PostgreSQL allows 200.
export FERRETDB_PG_POOL=150
export MONGODB_MAX_POOL_SIZE=16
export TEST_PG_PORT="$PG_PORT"
export KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

infra_dirs() { mkdir -p "$LOGS" "$PIDS"; }

# ---------------------------------------------------------------- install
install_redis() {
  command -v redis-server >/dev/null 2>&1 && return
  log "installing redis-server (Debian package)"
  as_root_or_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root_or_sudo apt-get install -y -qq redis-server >/dev/null
}

install_postgres() {
  [[ -x "$PG_BIN/postgres" ]] && return
  log "installing postgresql 15 (Debian package)"
  as_root_or_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root_or_sudo apt-get install -y -qq postgresql-15 >/dev/null
}

ferretdb_bin() { echo "$CACHE/ferretdb-$FERRETDB_VERSION/ferretdb"; }
install_ferretdb() {
  local bin; bin="$(ferretdb_bin)"
  local src="$ROOT/scripts/infra/ferretdb"
  local stamp="$bin.src-sha"
  local want; want="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -d' ' -f1)"
  [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return
  command -v go >/dev/null || die "Go is needed to build FerretDB"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (about a minute, once)"
  mkdir -p "$(dirname "$bin")"
  (cd "$src" && go build -trimpath -o "$bin.tmp" .) && mv "$bin.tmp" "$bin"
  echo "$want" >"$stamp"
}

kafka_home() { echo "$CACHE/kafka-$KAFKA_VERSION"; }
install_kafka() {
  local home; home="$(kafka_home)"
  local pom="$ROOT/scripts/infra/kafka/pom.xml"
  local want; want="$(sha256sum "$pom" | cut -d' ' -f1)"
  [[ -f "$home/.pom-sha" && "$(cat "$home/.pom-sha")" == "$want" ]] && return
  command -v mvn >/dev/null || die "Maven is needed to fetch Apache Kafka"
  command -v java >/dev/null || die "Java 17 is needed to run Apache Kafka"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (once)"
  rm -rf "$home/libs"; mkdir -p "$home/libs"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$home/libs" >/dev/null
  echo "$want" >"$home/.pom-sha"
}

infra_install() {
  install_redis
  install_postgres
  install_ferretdb
  install_kafka
}

# ---------------------------------------------------------------- postgres
pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_ready() { pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

# The postmaster named in the data folder's lock file runs (perhaps still starting or recovering).
postmaster_alive() { [[ -f "$PG_DATA/postmaster.pid" ]] && kill -0 "$(head -1 "$PG_DATA/postmaster.pid")" 2>/dev/null; }

# Each start_<part> below starts its part only when no process of it is alive; a live one that is
# still starting (or recovering after a crash) is waited for, never started a second time.
start_postgres() {
  if pg_ready; then return; fi
  if postmaster_alive; then
    wait_for 60 "PostgreSQL" pg_ready
    return
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initialising PostgreSQL data in $PG_DATA"
    mkdir -p "$PG_DATA"
    if [[ "$(id -u)" == 0 ]]; then chown -R postgres:postgres "$(dirname "$PG_DATA")"; chmod 700 "$PG_DATA"; fi
    pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
      || { cat "$LOGS/initdb.log" >&2; die "initdb failed"; }
  fi
  # plan_cache_mode: FerretDB passes field names as parameters; a custom plan sees them as
  # constants and can use the lookup indexes (postgres/lookup-indexes.sql).
  # pg_stat_statements: what the store spends its time on (scripts/infra-ctl statements).
  local opts="-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories= -c shared_buffers=256MB -c max_connections=200 -c plan_cache_mode=force_custom_plan -c shared_preload_libraries=pg_stat_statements"
  # Test data is thrown away after every run: durability costs only time there.
  [[ "$INFRA_PROFILE" == test ]] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  local pglog="$PG_DATA/../postgres.log"
  log "starting PostgreSQL on port $PG_PORT"
  pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -o "$opts" -l "$pglog" -w -t 30 start >/dev/null \
    || { tail -20 "$pglog" >&2; die "PostgreSQL did not start"; }
  ln -sf "$pglog" "$LOGS/postgres.log"
  pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='ferretdb'" | grep -q 1 \
    || pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE ferretdb" >/dev/null
  pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ferretdb -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  # FerretDB's documents are found through the services' indexes, as on MongoDB.
  pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ferretdb -v ON_ERROR_STOP=1 -q \
    -c "SET client_min_messages = warning" -f - <"$ROOT/scripts/infra/postgres/lookup-indexes.sql" >/dev/null \
    || die "installing the lookup indexes into PostgreSQL failed"
}

# pg_statements [reset]: the statements PostgreSQL spent most time on since the last reset.
pg_statements() {
  local sql="SELECT calls, round(total_exec_time::numeric) AS total_ms, round(mean_exec_time::numeric, 2) AS mean_ms, rows,
    left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS statement FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25"
  [[ "${1:-}" == reset ]] && sql="SELECT pg_stat_statements_reset()"
  pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ferretdb -c "$sql"
}

stop_postgres() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
  pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- ferretdb
start_ferretdb() {
  if pid_alive "$PIDS/ferretdb.pid"; then
    wait_for 30 "FerretDB" port_open "$FERRETDB_PORT"
    return
  fi
  log "starting FerretDB on port $FERRETDB_PORT"
  # FERRETDB_PPROF_LISTEN=127.0.0.1:6060 serves its Go profiles (go tool pprof http://.../debug/pprof/profile).
  nohup "$(ferretdb_bin)" -listen "127.0.0.1:$FERRETDB_PORT" ${FERRETDB_PPROF_LISTEN:+-pprof-listen "$FERRETDB_PPROF_LISTEN"} \
    -postgresql-url "postgres://postgres@127.0.0.1:$PG_PORT/ferretdb?pool_max_conns=$FERRETDB_PG_POOL" \
    >"$LOGS/ferretdb.log" 2>&1 &
  echo $! >"$PIDS/ferretdb.pid"
  wait_for 30 "FerretDB" port_open "$FERRETDB_PORT"
}
stop_ferretdb() { stop_pid "$PIDS/ferretdb.pid" FerretDB; }

# ---------------------------------------------------------------- kafka
KAFKA_JVM_OPTS=(-Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  "-Dkafka.logs.dir=$LOGS/kafka" "-Dlog4j2.configurationFile=$ROOT/scripts/infra/kafka/log4j2.properties")
kafka_java() { java "${KAFKA_JVM_OPTS[@]}" -cp "$(kafka_home)/libs/*" "$@"; }

kafka_config() {
  local dir="$STATE/kafka"
  mkdir -p "$dir" "$LOGS/kafka"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
# The platform creates its topics; a typo must not create one.
auto.create.topics.enable=false
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  echo "$dir/server.properties"
}

kafka_ready() { grep -q "Kafka Server started" "$LOGS/kafka/server.log" 2>/dev/null && port_open "$KAFKA_PORT"; }

start_kafka() {
  if pid_alive "$PIDS/kafka.pid"; then
    # A broker that has run for long may have rolled the log that kafka_ready reads.
    port_open "$KAFKA_PORT" || wait_for 60 "Kafka" kafka_ready
    return
  fi
  log "starting Kafka on port $KAFKA_PORT"
  local props; props="$(kafka_config)"
  if [[ ! -f "$STATE/kafka/data/meta.properties" ]]; then
    kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null)" -c "$props" \
      >"$LOGS/kafka-format.log" 2>&1 || { cat "$LOGS/kafka-format.log" >&2; die "Kafka storage format failed"; }
  fi
  : >"$LOGS/kafka/server.log"
  nohup java "${KAFKA_JVM_OPTS[@]}" -cp "$(kafka_home)/libs/*" kafka.Kafka "$props" >"$LOGS/kafka.out" 2>&1 &
  echo $! >"$PIDS/kafka.pid"
  wait_for 60 "Kafka" kafka_ready
}
stop_kafka() { stop_pid "$PIDS/kafka.pid" Kafka; }

# ---------------------------------------------------------------- redis
start_redis() {
  if pid_alive "$PIDS/redis.pid"; then
    wait_for 10 "Redis" port_open "$REDIS_PORT"
    return
  fi
  log "starting Redis on port $REDIS_PORT"
  mkdir -p "$STATE/redis"
  local persist=(--appendonly yes)
  [[ "$INFRA_PROFILE" == test ]] && persist=(--save '' --appendonly no)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE/redis" --daemonize yes \
    --pidfile "$PIDS/redis.pid" --logfile "$LOGS/redis.log" "${persist[@]}" >/dev/null
  wait_for 10 "Redis" port_open "$REDIS_PORT"
}
stop_redis() { stop_pid "$PIDS/redis.pid" Redis; }

# ---------------------------------------------------------------- all
infra_start() {
  infra_dirs
  infra_install
  start_redis &
  local r=$!
  start_postgres
  start_ferretdb
  start_kafka
  wait "$r"
}

infra_stop() {
  stop_kafka
  stop_ferretdb
  stop_postgres
  stop_redis
}

infra_wipe() {
  # The services and the token issuer keep their pid files in the state folder: wiping it under
  # them would leave them running with nothing to stop them by.
  local f running=()
  for f in "$PIDS"/*.pid; do
    [[ -e "$f" ]] || continue
    case "$(basename "$f" .pid)" in redis | ferretdb | kafka) continue ;; esac
    pid_alive "$f" && running+=("$(basename "$f" .pid)")
  done
  ((${#running[@]} == 0)) || die "still running: ${running[*]}; stop the platform first (scripts/stop)"
  infra_stop
  rm -rf "$STATE" "$PG_DATA"
}

# infra_status: one line per part: up, starting (a live process not answering yet) or down (no
# live process; "its process is gone" when one was started and has died). Returns how many are
# not up.
infra_status() {
  local s name port note bad=0
  for name in redis:$REDIS_PORT ferretdb:$FERRETDB_PORT kafka:$KAFKA_PORT postgres:$PG_PORT; do
    port="${name#*:}"
    name="${name%%:*}"
    note=""
    if [[ "$name" == postgres ]]; then
      if pg_ready; then s=up; elif postmaster_alive; then s=starting; else s=down; fi
      if [[ "$s" == down && -f "$PG_DATA/postmaster.pid" ]]; then note="  (its process is gone: scripts/start brings it back)"; fi
    else
      if pid_alive "$PIDS/$name.pid"; then
        if port_open "$port"; then s=up; else s=starting; fi
      elif port_open "$port"; then
        s=up # started some other way (no pid file of this stack)
      else
        s=down
        if [[ -f "$PIDS/$name.pid" ]]; then note="  (its process is gone: scripts/start brings it back)"; fi
      fi
    fi
    if [[ "$s" != up ]]; then bad=$((bad + 1)); fi
    printf '  %-12s %-10s 127.0.0.1:%s%s\n' "$name" "$s" "$port" "$note"
  done
  return "$bad"
}
