// Package version holds the controller version, set at build time with
// -ldflags "-X rockoon.dev/rockoon/pkg/version.Version=<version>". It is
// what status.version and osdplst controller_version report.
package version

// Version is the controller version ("dev" in development builds).
var Version = "dev"
