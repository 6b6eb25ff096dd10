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
