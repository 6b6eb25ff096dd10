#!/usr/bin/env bash
# Fails when a generated file differs from what `make generate` produces
# (stale, or edited by hand). The tree is restored afterwards either way.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
GENERATED=(apis pkg/client deploy/crds)

SNAPSHOT="$(mktemp -d)"
trap 'rm -rf "$SNAPSHOT"' EXIT
for d in "${GENERATED[@]}"; do
  mkdir -p "$SNAPSHOT/$(dirname "$d")"
  cp -a "$d" "$SNAPSHOT/$d"
done

hack/update-codegen.sh >/dev/null

status=0
for d in "${GENERATED[@]}"; do
  if ! diff -Naupr "$SNAPSHOT/$d" "$d"; then
    status=1
  fi
done
# Put the tree back as it was, so that verify never changes anything.
for d in "${GENERATED[@]}"; do
  rm -rf "$d"
  cp -a "$SNAPSHOT/$d" "$d"
done
if [[ $status -ne 0 ]]; then
  echo "generated files are stale or were edited by hand: run 'make generate'" >&2
  exit 1
fi
echo "generated files are up to date"
