#!/usr/bin/env bash
# Proves that hack/verify-codegen.sh catches a hand edit: it copies the
# repository, edits one generated file in the copy, and expects verify to
# fail there (and to pass on the untouched copy).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -a "$ROOT/." "$WORK/"
rm -rf "$WORK/bin"

check_fails() { # $1 = description, $2 = file, $3 = sed expression
  cp "$WORK/$2" "$WORK/$2.orig"
  sed -i "$3" "$WORK/$2"
  if (cd "$WORK" && hack/verify-codegen.sh >/dev/null 2>&1); then
    echo "FAIL: verify accepted a hand edit of $2 ($1)" >&2
    exit 1
  fi
  mv "$WORK/$2.orig" "$WORK/$2"
  echo "ok: verify refuses $1"
}

check_fails "an edited deepcopy" apis/lcm/v1alpha1/zz_generated.deepcopy.go 's/^func (in \*Features) DeepCopy() \*Features {/&\n\t_ = 0/'
check_fails "an edited CRD" deploy/crds/lcm.mirantis.com_openstackdeployments.yaml 's/shortNames:/shortNames:\n    - osd/'
check_fails "an edited clientset" pkg/client/clientset/versioned/clientset.go '$a // hand edit'
(cd "$WORK" && hack/verify-codegen.sh >/dev/null)
echo "ok: verify passes on the untouched copy"
