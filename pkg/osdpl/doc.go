// Package osdpl is the OpenStackDeployment controller: for the one
// OpenStackDeployment of its namespace it renders every enabled service
// (pkg/render), installs or upgrades the Helm releases in dependency waves,
// uninstalls the releases of services no longer enabled, and reports
// progress in the OpenStackDeploymentStatus (state, per-service states,
// lcm_progress; written through pkg/osdplst), in the osdpl's status
// (fingerprint, version, Ready / Progressing / Degraded conditions) and in
// Events. A finalizer uninstalls everything, in reverse order, when the
// osdpl is deleted.
//
// Files: controller.go (informers, queue, sync, duplicates), apply.go (the
// reconcile: plan, remove, waves), inputs.go (what a render reads from the
// cluster), credentials.go (the credential Secrets' watch and their
// restoration from the deployed releases), status.go (waits, failures,
// conditions), finalize.go (deletion and the osdplst object).
package osdpl
