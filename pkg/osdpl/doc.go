// Package osdpl is the OpenStackDeployment controller: for the one
// OpenStackDeployment of its namespace it renders every enabled service
// (pkg/render), installs or upgrades the Helm releases in dependency waves,
// uninstalls the releases of services no longer enabled, and reports
// progress in the OpenStackDeploymentStatus (state, per-service states,
// lcm_progress), in the osdpl's status (fingerprint, version, Ready /
// Progressing / Degraded conditions) and in Events. A finalizer uninstalls
// everything, in reverse order, when the osdpl is deleted.
package osdpl
