package operator

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"
)

// Metrics is a binary's private Prometheus registry with the Go and process
// collectors, client-go request metrics, workqueue metrics and the
// controller sync metrics.
type Metrics struct {
	Registry *prometheus.Registry

	syncTotal    *prometheus.CounterVec
	syncDuration *prometheus.HistogramVec
	workqueue    *workqueueMetrics
}

// NewMetrics creates the registry of one binary.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	registerClientGoMetrics()
	reg.MustRegister(clientRequestLatency, clientRequestResult)

	m := &Metrics{
		Registry: reg,
		syncTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rockoon_controller_sync_total",
			Help: "Syncs of a controller's keys by result (success, error, requeue).",
		}, []string{"controller", "result"}),
		syncDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rockoon_controller_sync_duration_seconds",
			Help:    "Duration of a controller's syncs.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"controller"}),
		workqueue: newWorkqueueMetrics(),
	}
	reg.MustRegister(m.syncTotal, m.syncDuration)
	m.workqueue.register(reg)
	return m
}

// WorkqueueProvider returns the provider that registers queue metrics in
// this registry (rather than client-go's global one).
func (m *Metrics) WorkqueueProvider() workqueue.MetricsProvider {
	return m.workqueue
}

// client-go's metrics hooks are process-wide and can be set once; the
// collectors are registered into each binary's registry.
var (
	clientGoOnce         sync.Once
	clientRequestLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rest_client_request_duration_seconds",
		Help:    "Kubernetes API request latency by verb and host.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"verb", "host"})
	clientRequestResult = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rest_client_requests_total",
		Help: "Kubernetes API requests by status code, method and host.",
	}, []string{"code", "method", "host"})
)

type latencyAdapter struct{}

func (latencyAdapter) Observe(_ context.Context, verb string, u url.URL, latency time.Duration) {
	clientRequestLatency.WithLabelValues(verb, u.Host).Observe(latency.Seconds())
}

type resultAdapter struct{}

func (resultAdapter) Increment(_ context.Context, code, method, host string) {
	clientRequestResult.WithLabelValues(code, method, host).Inc()
}

func registerClientGoMetrics() {
	clientGoOnce.Do(func() {
		clientmetrics.Register(clientmetrics.RegisterOpts{
			RequestLatency: latencyAdapter{},
			RequestResult:  resultAdapter{},
		})
	})
}

// workqueueMetrics implements workqueue.MetricsProvider with vectors
// labelled by queue name.
type workqueueMetrics struct {
	depth, unfinished, longest *prometheus.GaugeVec
	adds, retries              *prometheus.CounterVec
	latency, duration          *prometheus.HistogramVec
}

func newWorkqueueMetrics() *workqueueMetrics {
	buckets := prometheus.ExponentialBuckets(10e-9, 10, 12)
	return &workqueueMetrics{
		depth:      prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "workqueue_depth", Help: "Current depth of the workqueue."}, []string{"name"}),
		unfinished: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "workqueue_unfinished_work_seconds", Help: "Seconds of work in progress not yet observed by work_duration."}, []string{"name"}),
		longest:    prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "workqueue_longest_running_processor_seconds", Help: "Seconds the longest running worker has been running."}, []string{"name"}),
		adds:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "workqueue_adds_total", Help: "Adds handled by the workqueue."}, []string{"name"}),
		retries:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "workqueue_retries_total", Help: "Retries handled by the workqueue."}, []string{"name"}),
		latency:    prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "workqueue_queue_duration_seconds", Help: "Seconds an item stays in the workqueue before being processed.", Buckets: buckets}, []string{"name"}),
		duration:   prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "workqueue_work_duration_seconds", Help: "Seconds processing an item takes.", Buckets: buckets}, []string{"name"}),
	}
}

func (w *workqueueMetrics) register(reg prometheus.Registerer) {
	reg.MustRegister(w.depth, w.unfinished, w.longest, w.adds, w.retries, w.latency, w.duration)
}

func (w *workqueueMetrics) NewDepthMetric(name string) workqueue.GaugeMetric {
	return w.depth.WithLabelValues(name)
}

func (w *workqueueMetrics) NewAddsMetric(name string) workqueue.CounterMetric {
	return w.adds.WithLabelValues(name)
}

func (w *workqueueMetrics) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return w.latency.WithLabelValues(name)
}

func (w *workqueueMetrics) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return w.duration.WithLabelValues(name)
}

func (w *workqueueMetrics) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return w.unfinished.WithLabelValues(name)
}

func (w *workqueueMetrics) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return w.longest.WithLabelValues(name)
}

func (w *workqueueMetrics) NewRetriesMetric(name string) workqueue.CounterMetric {
	return w.retries.WithLabelValues(name)
}
