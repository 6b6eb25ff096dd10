// Package helm is the only Helm driver of the suite, on the Helm Go SDK
// (never the CLI). It owns:
//
//   - Charts: loaded once from a local directory laid out as
//     <dir>/{openstack,infra}/<chart> (or from a chart repository), with the
//     file:// dependencies of the openstack-helm charts (helm-toolkit)
//     resolved in memory; a dependency vendored under charts/ wins.
//   - Release storage: Helm's secrets driver in the release namespace,
//     MaxHistory revisions per release.
//   - Apply: install when storage holds no release, upgrade otherwise (with
//     the full values, never reusing stored ones, never waiting for
//     readiness); skip when the deployed revision was made from the same
//     chart files and values (no new revision); unlock a revision left
//     pending by a killed process; delete Jobs whose pod template changes
//     so that they run again; delete objects whose immutable fields an
//     upgrade can not patch and retry (never volumes).
//   - Uninstall (no history kept), List, GetValues, Rollback, Plan (what
//     Apply would do) and Render (client-only, for `osdpl render` and the
//     conformance tests).
//   - Concurrency: calls on one release are serialized, calls on different
//     releases run in parallel up to Options.MaxParallel.
//
// Values contain secrets: nothing here logs them.
package helm
