# Tools for checking the Helm chart offline: helm, kubeconform and the Kubernetes JSON
# schemas. Source it after scripts/lib/common.sh (which defines $CACHE, log and die).
# Each ensure_* function installs into $CACHE once and afterwards only puts the tool on
# PATH, so a warm run costs nothing.
# shellcheck shell=bash

HELM_VERSION="v4.3.1"
KUBECONFORM_VERSION="v0.7.0"
KUBERNETES_VALIDATE_VERSION="1.37.0"
PYYAML_VERSION="6.0.3"

# _go_tool NAME VERSION PACKAGE: `go install PACKAGE@VERSION` into $CACHE/tools/NAME-VERSION.
_go_tool() {
  local name="$1" version="$2" package="$3"
  local dir="$CACHE/tools/$name-$version"
  if [[ ! -x "$dir/$name" ]]; then
    command -v go >/dev/null 2>&1 || die "Go is needed to build $name $version (https://go.dev/dl/)"
    log "building $name $version into $dir (once; a few seconds to a few minutes)"
    mkdir -p "$dir"
    # Build into a scratch folder and move into place, so an interrupted build never leaves a
    # half-written binary that a later run would trust.
    local tmp; tmp="$(mktemp -d "$dir/.build.XXXXXX")"
    if ! GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$package@$version" >&2; then
      rm -rf "$tmp"; die "go install $package@$version failed"
    fi
    mv "$tmp/$name" "$dir/$name"
    rm -rf "$tmp"
  fi
  export PATH="$dir:$PATH"
}

ensure_helm() {
  _go_tool helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm
  # Keep helm's own config, cache and plugins out of the user's home and the repository.
  export HELM_CONFIG_HOME="$CACHE/helm/config" HELM_CACHE_HOME="$CACHE/helm/cache" HELM_DATA_HOME="$CACHE/helm/data"
}

ensure_kubeconform() {
  _go_tool kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform
}

# ensure_kube_schemas: unpack the strict Kubernetes JSON schemas shipped in the
# kubernetes-validate wheel and set:
#   KUBE_SCHEMA_VERSION  newest Kubernetes version in it (e.g. 1.37.0)
#   KUBE_SCHEMA_DIR      a folder holding one <kind>-<group>-<version>.json per type
#   KUBE_SCHEMA_LOCATION a kubeconform -schema-location template pointing at it
# The wheel's folders are v<version>-local[-strict]; their schemas carry an https $id and refer
# to "/api/_definitions.json", which a validator would try to fetch from kubernetes.io. We
# rewrite them once, dropping the $id and making the reference relative, so kubeconform
# resolves everything from disk and never touches the network.
ensure_kube_schemas() {
  local dir="$CACHE/tools/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  if [[ ! -f "$dir/.ready" ]]; then
    log "downloading Kubernetes JSON schemas (kubernetes-validate $KUBERNETES_VALIDATE_VERSION wheel) into $dir"
    rm -rf "$dir"; mkdir -p "$dir"
    local pip=(python3 -m pip)
    "${pip[@]}" --version >/dev/null 2>&1 || pip=(pip3)
    "${pip[@]}" download --quiet --no-deps --only-binary=:all: \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" -d "$dir/wheel" >&2 \
      || die "could not download kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI"
    command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack the kubernetes-validate wheel"
    unzip -q "$dir"/wheel/kubernetes_validate-*.whl 'kubernetes_validate/kubernetes-json-schema/*' -d "$dir/wheel"
    local root="$dir/wheel/kubernetes_validate/kubernetes-json-schema" newest
    # Folders are named v<major>.<minor>.<patch>-local-strict; take the newest.
    newest="$(find "$root" -mindepth 1 -maxdepth 1 -type d -name 'v*-strict' -printf '%f\n' \
      | sed -E 's/^v//; s/-[a-z]+-strict$//' | sort -V | tail -n 1)"
    [[ -n "$newest" ]] || die "no v*-strict schema folder under $root"
    python3 - "$(find "$root" -mindepth 1 -maxdepth 1 -type d -name "v$newest-*-strict" | head -n 1)" "$dir/v$newest-strict" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
def fix(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        return {k: (v.replace("/api/_definitions.json#", "_definitions.json#") if k == "$ref" and isinstance(v, str) else fix(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [fix(v) for v in node]
    return node
for name in os.listdir(src):
    if name.endswith(".json"):
        with open(os.path.join(src, name)) as f:
            doc = fix(json.load(f))
        with open(os.path.join(dst, name), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
PY
    rm -rf "$dir/wheel"
    echo "$newest" >"$dir/.ready"
  fi
  KUBE_SCHEMA_VERSION="$(cat "$dir/.ready")"
  KUBE_SCHEMA_DIR="$dir/v$KUBE_SCHEMA_VERSION-strict"
  KUBE_SCHEMA_LOCATION="$KUBE_SCHEMA_DIR/{{.ResourceKind}}{{.KindSuffix}}.json"
  export KUBE_SCHEMA_VERSION KUBE_SCHEMA_DIR KUBE_SCHEMA_LOCATION
}

# ensure_pyyaml: python3 can `import yaml` (used to turn rendered manifests into JSON for the
# Node.js assertions; the workspace has no YAML library). Debian's python3-yaml usually is
# there already; otherwise PyYAML goes into the cache, not into the system.
ensure_pyyaml() {
  command -v python3 >/dev/null 2>&1 || die "python3 is needed by the chart checks"
  if python3 -c 'import yaml' 2>/dev/null; then return; fi
  local dir="$CACHE/tools/pyyaml-$PYYAML_VERSION"
  if [[ ! -f "$dir/.installed" ]]; then
    log "installing PyYAML $PYYAML_VERSION into $dir"
    python3 -m pip install --quiet --target "$dir" "PyYAML==$PYYAML_VERSION" >&2 || die "could not install PyYAML"
    touch "$dir/.installed"
  fi
  export PYTHONPATH="$dir${PYTHONPATH:+:$PYTHONPATH}"
}

ensure_chart_tools() {
  ensure_helm
  ensure_kubeconform
  ensure_kube_schemas
  ensure_pyyaml
}
