package templates

import (
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// metric-storage: nothing before gazpacho; from it aetos and prometheus,
// the prometheus images split into repository and tag, the volume on
// local_volume_storage_class, the scrape of the cloud's namespace, the
// NetworkPolicies only with features.network_policies, and a user's
// aetos log level where the chart reads it.
func TestMetricStorageDecisions(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(edit func(map[string]any)) map[string]map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr_telemetry", "metric-storage")
		edit(data)
		rels, err := e.Service("metric-storage", data)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for _, r := range rels {
			out[r["name"].(string)] = r["values"].(map[string]any)
		}
		return out
	}
	if rels := render(func(d map[string]any) { d["spec"].(map[string]any)["openstack_version"] = "epoxy" }); len(rels) != 0 {
		t.Errorf("epoxy: releases %v, want none", rels)
	}
	rels := render(func(d map[string]any) {
		d["namespace"] = "cloud"
		d["images"] = map[string]string{"prometheus": "reg.example:5000/stacklight/prometheus:v3.7.3", "configmap-reload": "reg/configmap-reload", "alpine-utils": "reg/alpine-utils:1-2"}
		spec := d["spec"].(map[string]any)
		spec["local_volume_storage_class"] = "fast"
		f := spec["features"].(map[string]any)
		f["network_policies"] = map[string]any{"enabled": false}
		f["logging"] = map[string]any{"aetos": map[string]any{"level": "DEBUG"}}
	})
	p, a := rels["openstack-prometheus"], rels["openstack-aetos"]
	if p == nil || a == nil {
		t.Fatalf("releases %v", rels)
	}
	for path, want := range map[string]string{
		"server.image.repository":              "reg.example:5000/stacklight/prometheus",
		"server.image.tag":                     "v3.7.3",
		"configmapReload.image.repository":     "reg/configmap-reload",
		"configmapReload.image.tag":            "latest",
		"initChownData.image.tag":              "1-2",
		"server.persistentVolume.storageClass": "fast",
	} {
		if got := getPath(p, path); got != want {
			t.Errorf("prometheus %s = %v, want %s", path, got, want)
		}
	}
	sd := layering.Get(p, "serverFiles", "prometheus.yml", "scrape_configs", "sg-core", "kubernetes_sd_configs").([]any)
	if got := layering.Get(sd[0].(map[string]any), "namespaces", "names"); len(got.([]any)) != 1 || got.([]any)[0] != "cloud" {
		t.Errorf("scraped namespaces %v", got)
	}
	if p["network_policy"] != nil || a["network_policy"] != nil || layering.Get(a, "manifests", "network_policy") != false {
		t.Error("no NetworkPolicy without features.network_policies")
	}
	if layering.Get(a, "conf", "logging", "logger_aetos", "level") != "DEBUG" || layering.Get(a, "conf", "logging", "logging_aetos", "level") != "DEBUG" {
		t.Errorf("aetos logging %v", layering.Get(a, "conf", "logging"))
	}
}

func getPath(m map[string]any, dotted string) any {
	return layering.Get(m, strings.Split(dotted, ".")...)
}
