#!/usr/bin/env bash
# Regenerates everything generated from apis/: the UnknownFields JSON methods,
# deepcopy, register, the clientset/listers/informers/applyconfigurations in
# pkg/client, and the CRDs in deploy/crds. Tool versions come from
# hack/tools/go.mod.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODULE="$(go list -m)"
BOILERPLATE="$ROOT/hack/boilerplate.go.txt"
CACHE="${ROCKOON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rockoon-go}"

# The generators are installed by kube_codegen.sh into GOBIN: keep them in
# our cache, keyed by the code-generator version, instead of ~/go/bin.
# On a new machine the module cache is empty and `go list -m` reports no
# directory: download the tools module's code-generator first.
go -C hack/tools mod download k8s.io/code-generator
CODEGEN_PKG="$(go -C hack/tools list -m -f '{{.Dir}}' k8s.io/code-generator)"
if [[ -z "$CODEGEN_PKG" || ! -f "$CODEGEN_PKG/kube_codegen.sh" ]]; then
  echo "update-codegen: k8s.io/code-generator not found in the module cache after download" >&2
  exit 1
fi
CODEGEN_VERSION="$(go -C hack/tools list -m -f '{{.Version}}' k8s.io/code-generator)"
export GOBIN="$CACHE/tools/code-generator-$CODEGEN_VERSION"
mkdir -p "$GOBIN"

go run ./hack/gen-unknown apis/lcm/v1alpha1 "$BOILERPLATE"

# shellcheck source=/dev/null
source "$CODEGEN_PKG/kube_codegen.sh"

kube::codegen::gen_helpers --boilerplate "$BOILERPLATE" "$ROOT/apis"
kube::codegen::gen_register --boilerplate "$BOILERPLATE" "$ROOT/apis"
kube::codegen::gen_client \
  --with-watch \
  --with-applyconfig \
  --plural-exceptions "OpenStackDeploymentStatus:OpenStackDeploymentStatus" \
  --output-dir "$ROOT/pkg/client" \
  --output-pkg "$MODULE/pkg/client" \
  --boilerplate "$BOILERPLATE" \
  "$ROOT/apis"

rm -rf deploy/crds
go -C hack/tools tool controller-gen \
  crd:allowDangerousTypes=true \
  paths="$ROOT/apis/..." \
  output:crd:artifacts:config="$ROOT/deploy/crds"
