package health

import (
	"github.com/prometheus/client_golang/prometheus"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/operator"
)

type metrics struct {
	componentReady *prometheus.GaugeVec
	lastPatch      prometheus.Gauge
	patchErrors    prometheus.Counter
}

func newMetrics(m *operator.Metrics) *metrics {
	out := &metrics{
		componentReady: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rockoon_health_component_ready",
			Help: "1 when the component of an application is Ready, 0 when Unhealthy.",
		}, []string{"application", "component"}),
		lastPatch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rockoon_health_last_patch_timestamp_seconds",
			Help: "When the health was last written to the OpenStackDeploymentStatus.",
		}),
		patchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rockoon_health_patch_errors_total",
			Help: "Failed writes of the health to the OpenStackDeploymentStatus.",
		}),
	}
	if m != nil {
		m.Registry.MustRegister(out.componentReady, out.lastPatch, out.patchErrors)
	}
	return out
}

// observe sets the readiness gauges to h; components no longer there
// disappear.
func (m *metrics) observe(h map[string]map[string]lcmv1alpha1.ComponentHealth) {
	m.componentReady.Reset()
	for app, comps := range h {
		for comp, c := range comps {
			v := 0.0
			if c.Status == Ready {
				v = 1
			}
			m.componentReady.WithLabelValues(app, comp).Set(v)
		}
	}
}
