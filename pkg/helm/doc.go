// Package helm is the only Helm driver of the suite, on the Helm Go SDK
// (never the CLI). It owns:
//
//   - Charts: loaded once from a local directory laid out as
//     <dir>/{openstack,infra}/<chart>, with the file:// dependencies of the
//     openstack-helm charts (helm-toolkit) resolved in memory (a dependency
//     vendored under charts/ wins); or from a chart repository, which must
//     be https:// (http:// only when explicitly allowed), in the version
//     or semver constraint Options.ChartVersion names (required: never
//     silently the newest), each archive checked against the sha256
//     digest of its index entry.
//   - Release storage: Helm's secrets driver in the release namespace.
//     Helm's own history pruning (which runs before a new revision is
//     stored, so that a failed store loses a good revision) is off: the
//     history is pruned to Options.MaxHistory revisions after a
//     successful action only, never deleting the deployed revision. The
//     final status of a successful install or upgrade is read back and
//     recorded when Helm could not store it (Helm only logs that), with
//     bounded retries; a failed status Helm could not store is recorded
//     too, so that the release is not left pending.
//   - Apply: install when storage holds no release, upgrade otherwise (with
//     the full values, never reusing stored ones, never waiting for
//     readiness); skip when the deployed revision was made from the same
//     chart files and values and every object of its manifest exists (a
//     missing one, Jobs with a TTL apart, makes an upgrade with the same
//     values, which re-creates it).
//   - Pending revisions: a pending-* revision left by another process is
//     marked failed and the release upgraded once that process can no
//     longer act: it started before Options.Handover (the leader Lease
//     handover) or is older than Options.PendingTimeout; otherwise Apply
//     returns ErrReleaseBusy, saying what it waits for.
//   - Upgrades: run dry first (rendered and validated as Helm would apply
//     them; the objects they will create, Jobs to re-run included, created
//     in a dry run by the API server; the revision's size checked against
//     the 1 MiB of its storage Secret, ErrReleaseTooLarge): nothing is
//     changed when that fails. Only then are the Jobs whose pod template changes deleted so
//     that they run again (unchanged Jobs are left alone), and the upgrade
//     run. Objects whose immutable fields it can not patch are deleted and
//     the upgrade retried, never volumes (ErrVolumeChange); StatefulSets
//     and DaemonSets are deleted with orphan propagation, so that their
//     pods keep running and are adopted by the re-created object.
//   - Uninstall (no history kept), List, GetValues, Rollback, Plan (what
//     Apply would do) and Render (client-only, for `osdpl render` and the
//     conformance tests).
//   - Concurrency: calls on one release are serialized, calls on different
//     releases run in parallel up to Options.MaxParallel.
//
// Values contain secrets: nothing here logs them.
package helm
