package render

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/templates"
)

func TestCheckSupported(t *testing.T) {
	for _, tc := range []struct {
		version  string
		services []any
		bad      []string
	}{
		{version: "ussuri", services: []any{"identity", "instance-ha", "event"}, bad: []string{"instance-ha needs victoria or later"}},
		{version: "victoria", services: []any{"instance-ha", "shared-file-system", "metric"}, bad: []string{"shared-file-system needs yoga or later"}},
		{version: "xena", services: []any{"event", "metric"}, bad: []string{"event is supported until wallaby"}},
		{version: "gazpacho", services: []any{"metric", "metric-storage", "event"}, bad: []string{"event is supported until wallaby", "metric is supported until epoxy"}},
		{version: "epoxy", services: []any{"metric", "instance-ha", "shared-file-system", "compute"}},
		{version: "epoxy", services: []any{"metric-storage"}, bad: []string{"metric-storage needs gazpacho or later"}},
	} {
		mspec := map[string]any{"openstack_version": tc.version, "features": map[string]any{"services": tc.services}}
		err := CheckSupported(mspec)
		if len(tc.bad) == 0 {
			if err != nil {
				t.Errorf("%s %v: %v", tc.version, tc.services, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("%s %v: got %v, want an invalid input", tc.version, tc.services, err)
		}
		want := "spec.features.services: " + strings.Join(tc.bad, ", ") + ", and openstack_version is " + tc.version
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s %v: %q, want it to say %q", tc.version, tc.services, err, want)
		}
	}
}

// The CRD's release gates (one rule per service) say what the catalogue
// says.
func TestServiceReleaseGatesAsTheCatalogue(t *testing.T) {
	raw, err := os.ReadFile("../../apis/lcm/v1alpha1/osdpl_types.go")
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`!\('([a-z-]+)' in self\.features\.services\) \|\| \{[^}]*\}\[self\.openstack_version\] (>=|<=) (\d+)"`)
	crd := map[string]string{}
	for _, m := range rule.FindAllStringSubmatch(string(raw), -1) {
		crd[m[1]] = m[2] + m[3]
	}
	want := map[string]string{}
	for _, s := range catalog.Services {
		if s.Since != "" {
			want[s.Key] = ">=" + strconv.Itoa(templates.VersionOrdinal(s.Since))
		}
		if s.Until != "" {
			want[s.Key] = "<=" + strconv.Itoa(templates.VersionOrdinal(s.Until))
		}
	}
	if len(want) == 0 || len(crd) != len(want) {
		t.Fatalf("CRD gates %v, catalogue %v", crd, want)
	}
	for k, v := range want {
		if crd[k] != v {
			t.Errorf("%s: CRD %q, catalogue %q", k, crd[k], v)
		}
	}
}
