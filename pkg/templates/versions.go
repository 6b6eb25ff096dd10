package templates

// OpenStackVersions are the release names in order, including the
// releases the API does not accept (zed, bobcat, dalmatian, flamingo) so
// that ordinals match the original's (queens=1 … gazpacho=17).
var OpenStackVersions = []string{
	"queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga",
	"zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo", "gazpacho",
}

// SchemaVersions are the releases the API accepts, in order, then master.
var SchemaVersions = []string{"queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga",
	"antelope", "caracal", "epoxy", "gazpacho", "master"}

// NextVersion returns the release after version among SchemaVersions
// (master after the last one and after itself).
func NextVersion(version string) string {
	for i, v := range SchemaVersions {
		if v == version && i+1 < len(SchemaVersions) {
			return SchemaVersions[i+1]
		}
	}
	return "master"
}

// SLURPReleases are the releases one may upgrade to from the previous SLURP
// release, skipping one.
var SLURPReleases = []string{"yoga", "antelope", "caracal", "epoxy", "gazpacho"}

// VersionOrdinal returns the position of an OpenStack release (queens=1);
// "master" is after every release; unknown names are 0.
func VersionOrdinal(name string) int {
	if name == "master" {
		return len(OpenStackVersions) + 100
	}
	for i, v := range OpenStackVersions {
		if v == name {
			return i + 1
		}
	}
	return 0
}
