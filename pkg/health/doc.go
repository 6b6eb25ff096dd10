// Package health owns the health of the cloud's workloads: it maps each
// Deployment, StatefulSet and DaemonSet of the cloud namespace to an
// (application, component) pair with the original's identification rules,
// judges it Ready or Unhealthy with the original's readiness rules (less
// the quirks the reference marks), and publishes the result in the
// OpenStackDeploymentStatus (status.health.<application>.<component> and
// the HEALTH column status.osdpl.health), one merge patch per batch of
// changes. It also strips the original's health finalizer from workloads
// adopted from it. The binary is cmd/health.
package health
