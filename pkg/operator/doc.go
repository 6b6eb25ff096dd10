// Package operator is the runtime shared by the five binaries: a
// signal-aware context, the common flags (--kubeconfig, --namespace,
// --metrics-bind-address, --health-bind-address, --leader-elect, the
// component-base logging flags), the client config, the HTTP server for
// /metrics, /healthz and /readyz, leader election on a per-binary Lease, and
// Controller: a typed rate-limited workqueue drained by N workers in the
// sample-controller shape. It owns no controller logic.
package operator
