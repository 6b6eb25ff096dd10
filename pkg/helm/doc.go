// Package helm is the only Helm driver of the suite, on the Helm Go SDK
// (never the CLI). It loads charts from a local directory laid out as
// <dir>/{openstack,infra}/<chart>, resolving file:// dependencies (the
// openstack-helm charts' helm-toolkit) in memory; it installs or upgrades a
// release according to its stored history (secrets storage driver in the
// release namespace), skips releases whose chart and values digest equal the
// deployed one, unlocks releases left pending by a killed process, deletes
// objects whose immutable fields an upgrade can not patch (never volumes)
// and Jobs whose pod template changed, so that they run again. Operations on
// one release are serialized; different releases run in parallel, bounded.
package helm
