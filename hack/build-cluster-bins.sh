#!/usr/bin/env bash
# Builds the binaries of the local test cluster from pinned sources fetched
# through the Go module proxy, once, into a cache directory outside the repo:
#
#   $ROCKOON_CACHE/k8s-v<KUBE_VERSION>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $ROCKOON_CACHE/etcd-v<ETCD_VERSION>/bin/etcd
#   $ROCKOON_CACHE/kwok-v<KWOK_VERSION>/bin/kwok
#   $ROCKOON_CACHE/gateway-crds-v<GATEWAY_API_VERSION>-envoy-v<ENVOY_GATEWAY_VERSION>/*.yaml
#     (target gateway-crds: the Gateway API (experimental channel: TCPRoute,
#     UDPRoute) and Envoy Gateway CRDs the app-gateway chart's objects need,
#     copied from the pinned modules)
#
# Usage: hack/build-cluster-bins.sh [apiserver|etcd|kcm|scheduler|kubectl|kwok|gateway-crds|all]...
# Default: apiserver etcd (what pkg/testenv needs). Prints nothing but progress
# on stderr; a component already in the cache is not rebuilt.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.37.2}"
STAGING_VERSION="${STAGING_VERSION:-0.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.7.3}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-1.6.3}"
ENVOY_GATEWAY_VERSION="${ENVOY_GATEWAY_VERSION:-1.9.1}"
CACHE="${ROCKOON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rockoon-go}"

log() { echo "build-cluster-bins: $*" >&2; }

# kube_module prepares the throwaway module that builds k8s.io/kubernetes
# commands: it requires k8s.io/kubernetes and replaces every staging module it
# lists with the published version of the same release.
kube_module() {
  local dir="$CACHE/k8s-v$KUBE_VERSION/src"
  if [[ -f "$dir/.ready" ]]; then echo "$dir"; return; fi
  mkdir -p "$dir"
  local modfile
  modfile="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  {
    echo "module rockoon.local/k8s-build"
    echo
    echo "go $(sed -n 's/^go \(.*\)/\1/p' "$modfile")"
    echo
    echo "require k8s.io/kubernetes v$KUBE_VERSION"
    echo
    echo "replace ("
    sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$modfile" | while read -r m; do
      printf '\t%s => %s v%s\n' "$m" "$m" "$STAGING_VERSION"
    done
    echo ")"
  } > "$dir/go.mod"
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "$dir" && go mod tidy -e >&2)
  touch "$dir/.ready"
  echo "$dir"
}

kube_ldflags() {
  local minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
  echo "-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

build_kube() { # $1 = command name
  local out="$CACHE/k8s-v$KUBE_VERSION/bin/$1"
  if [[ -x "$out" ]]; then return; fi
  local dir; dir="$(kube_module)"
  log "building $1 v$KUBE_VERSION (first time only; kube-apiserver takes ~10 min on 2 cores)"
  local start=$SECONDS
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$(kube_ldflags)" -o "$out.tmp" "k8s.io/kubernetes/cmd/$1")
  mv "$out.tmp" "$out"
  log "built $1 in $((SECONDS - start))s"
}

build_simple() { # $1 = name, $2 = module, $3 = version, $4 = package, $5 = output
  local out="$5"
  if [[ -x "$out" ]]; then return; fi
  local dir; dir="$(dirname "$out")/../src"
  mkdir -p "$dir"
  log "building $1 v$3 (first time only)"
  local start=$SECONDS
  cat > "$dir/go.mod" <<MOD
module rockoon.local/$1-build

go 1.26
MOD
  cat > "$dir/tools.go" <<GO
//go:build tools

package tools

import _ "$4"
GO
  (cd "$dir" && go get "$2@v$3" >&2 && go mod tidy -e >&2 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$4")
  mv "$out.tmp" "$out"
  log "built $1 in $((SECONDS - start))s"
}

build_etcd() {
  build_simple etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3 "$CACHE/etcd-v$ETCD_VERSION/bin/etcd"
}

build_kwok() {
  local root="$CACHE/kwok-v$KWOK_VERSION"
  build_simple kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok "$root/bin/kwok"
  # kwok needs Stage configurations to act on nodes and pods: take the
  # "fast" stages (nodes Ready at once, pods Running and Ready at once) and
  # the node heartbeat from the same pinned module.
  if [[ ! -f "$root/stages/.ready" ]]; then
    local dir; dir="$(go -C "$root/src" list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
    mkdir -p "$root/stages"
    cp "$dir"/kustomize/stage/node/fast/node-*.yaml "$dir"/kustomize/stage/node/heartbeat/node-*.yaml \
       "$dir"/kustomize/stage/pod/fast/pod-*.yaml "$root/stages/"
    chmod u+w "$root"/stages/*.yaml
    touch "$root/stages/.ready"
  fi
}

build_gateway_crds() {
  local root="$CACHE/gateway-crds-v$GATEWAY_API_VERSION-envoy-v$ENVOY_GATEWAY_VERSION"
  [[ -f "$root/.ready" ]] && return
  log "fetching Gateway API v$GATEWAY_API_VERSION and Envoy Gateway v$ENVOY_GATEWAY_VERSION CRDs"
  local tmp; tmp="$(mktemp -d)"
  local gw eg
  gw="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/gateway-api@v$GATEWAY_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  eg="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/envoyproxy/gateway@v$ENVOY_GATEWAY_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  rm -rf "$tmp" "$root"
  mkdir -p "$root"
  # Only CustomResourceDefinitions (the channel directory also holds a
  # ValidatingAdmissionPolicy).
  for f in "$gw"/config/crd/experimental/gateway.networking.k8s.io_*.yaml \
           "$eg"/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_*.yaml; do
    grep -q '^kind: CustomResourceDefinition' "$f" && cp "$f" "$root/"
  done
  chmod u+w "$root"/*.yaml
  touch "$root/.ready"
}

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(apiserver etcd)
for t in "${targets[@]}"; do
  case "$t" in
    apiserver) build_kube kube-apiserver ;;
    kcm) build_kube kube-controller-manager ;;
    scheduler) build_kube kube-scheduler ;;
    kubectl) build_kube kubectl ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    gateway-crds) build_gateway_crds ;;
    all) build_kube kube-apiserver; build_etcd; build_kube kube-controller-manager; build_kube kube-scheduler; build_kube kubectl; build_kwok; build_gateway_crds ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
done
