package catalog

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCatalogueCoversTheAPI: every service key the CRD accepts in
// spec.features.services has a catalogue entry, and every entry is a key
// the CRD accepts (read from the API types' validation rule).
func TestCatalogueCoversTheAPI(t *testing.T) {
	src, err := os.ReadFile("../../apis/lcm/v1alpha1/features_types.go")
	if err != nil {
		t.Fatal(err)
	}
	// The rule's second list: the keys a "~" removal accepts, every key.
	m := regexp.MustCompile(`s\.substring\(1\) in \[([^\]]*)\]`).FindSubmatch(src)
	if m == nil {
		t.Fatal("the features.services validation rule was not found")
	}
	var api []string
	for _, q := range strings.Split(string(m[1]), ",") {
		api = append(api, strings.Trim(strings.TrimSpace(q), "'"))
	}
	for _, k := range api {
		if _, ok := Lookup(k); !ok {
			t.Errorf("the API accepts service %q, the catalogue does not know it", k)
		}
	}
	for _, s := range Services {
		if !slices.Contains(api, s.Key) {
			t.Errorf("catalogue entry %q is not a service key of the API", s.Key)
		}
	}
}

// TestCatalogueEntries: each entry is consistent: a known wave, a chart
// with a chart group, Ceph users and borrowed accounts of known services,
// release bounds that are releases, a template for every templated key.
func TestCatalogueEntries(t *testing.T) {
	releases := []string{"queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga", "antelope", "caracal", "epoxy", "gazpacho"}
	seen := map[string]bool{}
	for i, s := range Services {
		if seen[s.Key] {
			t.Errorf("%s listed twice", s.Key)
		}
		seen[s.Key] = true
		if s.Wave < 0 || s.Wave >= Waves || (i > 0 && s.Wave < Services[i-1].Wave) {
			t.Errorf("%s: wave %d out of order or range", s.Key, s.Wave)
		}
		if s.Chart != "" && ChartGroup(s.Chart) == "" {
			t.Errorf("%s: chart %s has no chart group", s.Key, s.Chart)
		}
		if s.Policy && s.Chart == "" {
			t.Errorf("%s: a policy service without a chart", s.Key)
		}
		for _, b := range s.Borrows {
			if o, ok := Lookup(b[0]); !ok || o.Chart == "" {
				t.Errorf("%s borrows %s from %s, which has no credentials", s.Key, b[1], b[0])
			}
		}
		for _, r := range []string{s.Since, s.Until} {
			if r != "" && !slices.Contains(releases, r) {
				t.Errorf("%s: %q is not a release", s.Key, r)
			}
		}
		if s.ReadsRendered && s.Wave != Waves-1 {
			t.Errorf("%s reads the rendered services but is in wave %d, not the last (%d): services after it would be missing", s.Key, s.Wave, Waves-1)
		}
		if s.HealthGroups(false) == nil && !s.NoHealth && s.Chart != "" {
			t.Errorf("%s has no health group", s.Key)
		}
	}
	templates, _ := filepath.Glob("../../templates/services/*.yaml")
	if len(templates) == 0 {
		t.Fatal("no service templates found")
	}
	for _, f := range templates {
		key := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if _, ok := Lookup(key); !ok {
			t.Errorf("template %s has no catalogue entry", f)
		}
	}
	if WaveOf("identity") != 1 || WaveOf("database") != 0 || WaveOf("tempest") != 4 || WaveOf("not-a-service") != 3 {
		t.Error("waves differ from DESIGN §4.6")
	}
	if g, _ := Lookup("networking"); !slices.Equal(g.HealthGroups(true), []string{"neutron", "openvswitch_ovn"}) {
		t.Errorf("networking on OVN: %v", g.HealthGroups(true))
	}
}

// Releases live in the cloud's namespace, but redis's in its own (the
// redisoperator chart puts its RedisFailover there).
func TestReleaseNamespace(t *testing.T) {
	for key, want := range map[string]string{"redis": "openstack-redis", "identity": "cloud-a", "dns": "cloud-a", "descheduler": "cloud-a"} {
		s, ok := Lookup(key)
		if !ok {
			t.Fatalf("%s not in the catalogue", key)
		}
		if got := s.ReleaseNamespace("cloud-a"); got != want {
			t.Errorf("%s: releases in %s, want %s", key, got, want)
		}
	}
	if got := (Service{}).ReleaseNamespace("cloud-a"); got != "cloud-a" {
		t.Errorf("unknown service: %s", got)
	}
}
