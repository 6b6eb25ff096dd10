// Package watched owns the "watched" channel between the binaries: the
// hash of an input object (the original's formula) written into
// OpenStackDeployment status.watched by the binary that watches it
// (secrets: value_from Secrets, labelled ConfigMaps, the TF and BGPVPN
// Secrets; ceph-exchange: the Ceph keys), so that osdpl, which reacts to
// any change of status.watched, reconciles when the input changes.
package watched
