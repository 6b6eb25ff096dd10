// Package secrets owns the secrets binary: every duty of the original's
// secrets, configmaps and tf-secrets containers, each a small duty of one
// controller (one queue key per duty; an event on any of a duty's inputs
// makes it recompute all its outputs from the informers' caches, so a
// resync or a restart converges and writes nothing when nothing changed):
//
//   - value-from, configmaps, bgpvpn, tf: the hashes of watched inputs in
//     the osdpl's status.watched (pkg/watched), so that osdpl reconciles
//     when they change; a deleted input's entry is removed;
//   - rotation: credential rotation timestamps in the osdplst's
//     status.credentials.rotation.<admin|service>.timestamp;
//   - os-clouds: keystone-os-clouds copied to the controller namespace and
//     the external clouds.yaml in openstack-external;
//   - exporter-ca: the public TLS CA copied for the exporter;
//   - tf-data: the OpenStack data the Tungsten Fabric operator reads;
//   - notifications: the external RabbitMQ notification Secrets.
//
// Only the objects a duty reads are cached: every informer is selected by
// label or name, and drops managedFields unless the duty reads them.
package secrets
