package templates

import (
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// metering: the samples go to Gnocchi before gazpacho and to Prometheus
// (the sg-core sidecar) from it; with event enabled the events also go
// to Panko's database with panko's active account; the RGW metrics user
// is configured only when its keys are passed; aodh_is_enabled follows
// alarming.
func TestMeteringDecisions(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(ctx string, edit func(map[string]any)) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, ctx, "metering")
		if edit != nil {
			edit(data)
		}
		rels, err := e.Service("metering", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-ceilometer" || rels[0]["chart"] != "ceilometer" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}

	yoga := render("yoga_ceph_local_non_dvr_telemetry", nil)
	if p, _ := layering.Get(yoga, "conf", "pipeline").(string); !strings.Contains(p, "gnocchi://") || strings.Contains(p, "tcp://") {
		t.Errorf("yoga pipeline publishes to %q, want gnocchi", p)
	}
	if layering.Get(yoga, "manifests", "sidecar_sg_core") != nil || layering.Get(yoga, "images", "tags", "sg_core") != nil {
		t.Error("yoga: no sg-core sidecar nor image")
	}
	if layering.Get(yoga, "conf", "ceilometer", "rgw_admin_credentials", "access_key") != "WMBSY70L0DTKJVRENQ9A" {
		t.Errorf("rgw_admin_credentials %v", layering.Get(yoga, "conf", "ceilometer", "rgw_admin_credentials"))
	}
	if layering.Get(yoga, "conf", "ceilometer", "api", "aodh_is_enabled") != "True" {
		t.Error("aodh_is_enabled with alarming")
	}

	gz := render("gazpacho_ceph_local_non_dvr_telemetry", func(d map[string]any) {
		delete(d, "rgw_metrics_user_access_key")
		delete(d, "rgw_metrics_user_secret_key")
		d["enabled_services"] = []string{"metering", "metric-storage"}
	})
	if p, _ := layering.Get(gz, "conf", "pipeline").(string); !strings.Contains(p, "tcp://127.0.0.1:30000") || strings.Contains(p, "gnocchi://") {
		t.Errorf("gazpacho pipeline publishes to %q, want sg-core", p)
	}
	if layering.Get(gz, "manifests", "sidecar_sg_core") != true || layering.Get(gz, "images", "tags", "sg_core") != "sg-core:latest" {
		t.Error("gazpacho: sg-core sidecar and its image")
	}
	for _, k := range []string{"rgw_admin_credentials", "rgw_client", "service_types"} {
		if layering.Get(gz, "conf", "ceilometer", k) != nil {
			t.Errorf("conf.ceilometer.%s without the RGW metrics keys", k)
		}
	}
	if layering.Get(gz, "conf", "ceilometer", "api", "aodh_is_enabled") != "False" {
		t.Error("aodh_is_enabled without alarming")
	}
	if layering.Get(gz, "endpoints", "oslo_db_panko") != nil {
		t.Error("no Panko database without event")
	}

	// ussuri with event: the golden inputs hand panko's pair.
	us := render("ussuri_ceph_local_non_dvr_telemetry", nil)
	if ep, _ := layering.Get(us, "conf", "event_pipeline").(string); !strings.Contains(ep, "- panko://") {
		t.Errorf("event_pipeline without panko: %q", ep)
	}
	if layering.Get(us, "endpoints", "oslo_db_panko", "auth", "panko", "username") != "panko3sgfP" {
		t.Errorf("oslo_db_panko %v", layering.Get(us, "endpoints", "oslo_db_panko"))
	}
	if layering.Get(us, "pod", "probes", "central", "central", "liveness", "enabled") != false {
		t.Error("ussuri: agent probes off")
	}
}
