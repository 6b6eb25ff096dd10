#!/usr/bin/env bash
# make demo: builds what it needs, starts the local cluster (pkg/testenv's
# cached kube-apiserver, etcd, kube-controller-manager), installs the CRDs,
# runs osdpl as a local process on the real charts (restarted when it exits,
# as the pod's kubelet would: see supervise), applies
# examples/demo.yaml, prints progress until the osdplst says APPLIED, shows
# the objects and the Helm releases, then waits for Ctrl-C and stops
# everything. DEMO_EXIT=1 exits once APPLIED (smoke test).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export ROCKOON_CACHE="${ROCKOON_CACHE:-$HOME/.cache/rockoon-go}"
CHARTS_DIR="${CHARTS_DIR:-$ROOT/../shared/charts}"
EXAMPLE="${EXAMPLE:-examples/demo.yaml}"
WORK="$(mktemp -d)"
KUBECONFIG_FILE="$WORK/kubeconfig"
pids=()

cleanup() {
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# Ctrl-C is how the demo is stopped: a clean exit.
trap 'exit 0' INT
trap 'exit 143' TERM

# supervise NAME ARGS...: runs bin/NAME ARGS... in the background as the
# pod's kubelet would run its container: when it exits, whatever the code,
# it is restarted after a backoff (1 s, doubling up to 16 s, back to 1 s
# after a minute of running), and the restart is logged with the exit code.
# Its stderr goes to $WORK/NAME.log. The supervisor's pid joins pids, so
# cleanup (Ctrl-C, the script's exit) stops it; it then stops its child and
# waits for it.
supervise() {
  local name="$1"; shift
  (
    stop() {
      trap - TERM
      # The child, or the backoff sleep: whatever this subshell started.
      kill $(jobs -p) 2>/dev/null || true
      wait 2>/dev/null || true
      exit 0
    }
    trap stop TERM
    backoff=1 restarts=0
    while :; do
      started=$SECONDS
      # Its own session: a Ctrl-C reaches the script, which stops the
      # supervisors, not the binaries directly (no spurious restart).
      setsid "bin/$name" "$@" 2>>"$WORK/$name.log" &
      rc=0; wait $! 2>/dev/null || rc=$?   # (2>/dev/null: not bash's own "Killed" line)
      how="code $rc"
      if (( rc > 128 )); then how+=", signal $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"; fi
      if (( SECONDS - started >= 60 )); then backoff=1; fi
      restarts=$((restarts + 1))
      echo "demo: $name exited ($how); restart #$restarts in ${backoff}s (log: $WORK/$name.log)"
      echo "--- demo: $name exited ($how); restart #$restarts in ${backoff}s" >>"$WORK/$name.log"
      # In the background so that a TERM interrupts the wait at once.
      sleep "$backoff" &
      wait $! || true
      backoff=$((backoff * 2 > 16 ? 16 : backoff * 2))
    done
  ) &
  pids+=($!)
}

[[ -d "$CHARTS_DIR/openstack" ]] || { echo "demo: charts not found in $CHARTS_DIR (set CHARTS_DIR)" >&2; exit 1; }
echo "demo: building (cluster binaries are cached in $ROCKOON_CACHE)"
hack/build-cluster-bins.sh apiserver etcd kcm scheduler kwok kubectl gateway-crds
make --no-print-directory build
go build -o "$WORK/localcluster" ./hack/localcluster
KUBECTL="$ROCKOON_CACHE/k8s-v1.37.2/bin/kubectl"

"$WORK/localcluster" --kwok --nodes 2 --volumes 16 --pod-delay "${POD_DELAY:-2s}" --kubeconfig-out "$KUBECONFIG_FILE" 2>"$WORK/cluster.log" &
pids+=($!)
for _ in $(seq 1 240); do [[ -f "$KUBECONFIG_FILE" ]] && break; sleep 0.5; done
[[ -f "$KUBECONFIG_FILE" ]] || { echo "demo: cluster did not start:"; tail -20 "$WORK/cluster.log"; exit 1; }
export KUBECONFIG="$KUBECONFIG_FILE"
echo "demo: cluster up; KUBECONFIG=$KUBECONFIG"

"$KUBECTL" apply -f <(sed -n '1,/^---/p' "$EXAMPLE" | sed '$d') >/dev/null   # the namespace first
# The secrets binary's target namespaces (deploy/namespace.yaml in a cluster).
for ns in osh-system openstack-external; do "$KUBECTL" create namespace "$ns" >/dev/null 2>&1 || true; done
supervise osdpl run --kubeconfig "$KUBECONFIG" --namespace openstack --charts-dir "$CHARTS_DIR" \
  --metrics-bind-address 127.0.0.1:32768 --health-bind-address 127.0.0.1:32768 \
  --images-base-url registry.example --helm-disable-hooks -v 2
supervise health --kubeconfig "$KUBECONFIG" --namespace openstack \
  --metrics-bind-address 127.0.0.1:32771 --health-bind-address 127.0.0.1:32771 -v 2
supervise secrets --kubeconfig "$KUBECONFIG" --namespace openstack \
  --metrics-bind-address 127.0.0.1:32770 --health-bind-address 127.0.0.1:32770 -v 2
supervise ceph-exchange --kubeconfig "$KUBECONFIG" --namespace openstack \
  --metrics-bind-address 127.0.0.1:32774 --health-bind-address 127.0.0.1:32774 -v 2
supervise node --kubeconfig "$KUBECONFIG" --namespace openstack \
  --metrics-bind-address 127.0.0.1:32772 --health-bind-address 127.0.0.1:32772 -v 2
"$KUBECTL" apply -f "$EXAMPLE"

echo "demo: waiting for the OpenStackDeploymentStatus to say APPLIED (osdpl log: $WORK/osdpl.log)"
state=""
for _ in $(seq 1 600); do
  state="$("$KUBECTL" -n openstack get osdplst demo -o jsonpath='{.status.osdpl.state} {.status.osdpl.lcm_progress} health {.status.osdpl.health}' 2>/dev/null || true)"
  # One line per change (readable in a log, no carriage returns).
  if [[ "$state" != "${last:-}" ]]; then echo "  state: $state"; fi
  last="$state"
  [[ "$state" == APPLIED* ]] && break
  if [[ "$state" == FAILED* ]]; then echo; "$KUBECTL" -n openstack get osdplst demo -o jsonpath='{.status.osdpl.cause}'; echo; break; fi
  sleep 1
done
echo
"$KUBECTL" -n openstack get osdpl,osdplst
"$KUBECTL" get nodeworkloadlocks,clusterworkloadlocks
echo "Helm releases (secrets storage driver):"
"$KUBECTL" -n openstack get secrets -l owner=helm -L name,version,status
"$KUBECTL" -n openstack get events --sort-by=.lastTimestamp | tail -8
[[ "$state" == APPLIED* ]] || { echo "demo: did not reach APPLIED"; tail -30 "$WORK/osdpl.log"; exit 1; }
if [[ "${DEMO_EXIT:-}" == 1 ]]; then exit 0; fi
echo "demo: running; edit with: KUBECONFIG=$KUBECONFIG $KUBECTL -n openstack edit osdpl demo   (Ctrl-C stops everything)"
wait "${pids[0]}"
