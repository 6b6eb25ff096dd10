// Package ceph owns the data contract between the cloud and its Ceph
// cluster (the original's ceph_api): the Secret openstack-ceph-keys that
// the Ceph side writes into the shared namespace (admin key, monitors, RGW
// URLs, and one cephx user per OpenStack consumer with its pools), parsed
// into the `ceph` template argument of the Ceph-backed services; and the
// ceph-exchange binary's controller (Exchange, Run), which keeps the
// cloud's <user>-rbd-keyring Secrets and the osdpl's
// status.watched.ceph.secret.hash in step with that Secret.
package ceph
