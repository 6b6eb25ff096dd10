package render

import "rockoon.dev/rockoon/pkg/templates"

// ServiceCharts maps the OpenStack service keys to their main chart.
var ServiceCharts = templates.ServiceCharts

// Waves orders services for apply (DESIGN §4.6): infrastructure first, then
// identity, then the services others depend on, then the rest, tests last.
// Services not listed go in the "rest" wave.
var Waves = [][]string{
	{"database", "messaging", "memcached", "coordination", "redis", "ingress", "app-gateway", "descheduler"},
	{"identity"},
	{"placement", "key-manager", "image", "networking"},
	{"compute", "block-storage", "dns", "orchestration", "load-balancer", "dashboard", "baremetal",
		"alarming", "event", "metering", "metric", "metric-storage", "instance-ha", "shared-file-system",
		"object-storage", "cloudprober", "dynamic-resource-balancer"},
	{"tempest", "stepler"},
}

// restWave is the wave of services Waves does not list.
const restWave = 3

// WaveOf returns the wave index of a service.
func WaveOf(svc string) int {
	for i, w := range Waves {
		for _, s := range w {
			if s == svc {
				return i
			}
		}
	}
	return restWave
}

// healthGroups are the health applications of the infrastructure
// services, and the services that have none (nil), as the original, but
// for app-gateway: its chart makes Gateway API objects and no workload in
// the cloud namespace, so there is nothing to be Ready (the original
// would wait for it in vain).
var healthGroups = map[string][]string{
	"coordination": {"etcd"}, "database": {"mariadb"}, "messaging": {"rabbitmq"}, "memcached": {"memcached"},
	"ingress": {"ingress"}, "cloudprober": {"cloudprober"}, "app-gateway": nil,
	"redis": nil, "descheduler": nil, "tempest": nil, "stepler": nil, "object-storage": nil,
}

// HealthGroups returns the applications of osdplst status.health (written
// by the health binary) that must all be Ready for svc to be healthy: the
// original's health groups. An OpenStack service checks its chart;
// networking also its virtual switch (openvswitch, or openvswitch_ovn with
// ml2/ovn).
func HealthGroups(svc string, ovn bool) []string {
	if g, ok := healthGroups[svc]; ok {
		return g
	}
	chart, ok := ServiceCharts[svc]
	if !ok {
		return nil
	}
	if svc == "networking" {
		if ovn {
			return []string{chart, "openvswitch_ovn"}
		}
		return []string{chart, "openvswitch"}
	}
	return []string{chart}
}
