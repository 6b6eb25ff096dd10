package operator

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	logsapi "k8s.io/component-base/logs/api/v1"

	// Registers the JSON log format for --logging-format=json.
	_ "k8s.io/component-base/logs/json/register"
)

// Options are the flags every binary has.
type Options struct {
	// Component names the binary (osdpl, health, secrets, ceph-exchange,
	// node): it is the User-Agent, the field manager and the default Lease
	// name suffix.
	Component string

	Kubeconfig         string
	Namespace          string
	MetricsBindAddress string
	HealthBindAddress  string

	LeaderElect            bool
	LeaderElectionName     string
	LeaderElectionNS       string
	LeaderElectionLease    time.Duration
	LeaderElectionRenew    time.Duration
	LeaderElectionRetry    time.Duration
	KubeAPIQPS             float32
	KubeAPIBurst           int
	GracefulShutdownPeriod time.Duration

	Logs *logsapi.LoggingConfiguration
}

// NewOptions returns the defaults for a component whose metrics and health
// endpoints listen on port (the original's probe port of that container).
func NewOptions(component string, port int) *Options {
	addr := fmt.Sprintf(":%d", port)
	return &Options{
		Component:              component,
		Namespace:              "openstack",
		MetricsBindAddress:     addr,
		HealthBindAddress:      addr,
		LeaderElect:            true,
		LeaderElectionName:     "rockoon-" + component,
		LeaderElectionLease:    15 * time.Second,
		LeaderElectionRenew:    10 * time.Second,
		LeaderElectionRetry:    2 * time.Second,
		KubeAPIQPS:             50,
		KubeAPIBurst:           100,
		GracefulShutdownPeriod: 30 * time.Second,
		Logs:                   logsapi.NewLoggingConfiguration(),
	}
}

// AddFlags registers the options on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig file; in-cluster configuration when empty (KUBECONFIG is honoured too).")
	fs.StringVarP(&o.Namespace, "namespace", "n", o.Namespace, "Namespace of the OpenStack cloud (where the OpenStackDeployment lives).")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress, "Address of the /metrics endpoint; \"0\" disables it.")
	fs.StringVar(&o.HealthBindAddress, "health-bind-address", o.HealthBindAddress, "Address of the /healthz and /readyz endpoints; \"0\" disables them. May equal --metrics-bind-address.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Hold a Lease while running, so that two instances never work at once.")
	fs.StringVar(&o.LeaderElectionName, "leader-election-name", o.LeaderElectionName, "Name of the Lease.")
	fs.StringVar(&o.LeaderElectionNS, "leader-election-namespace", o.LeaderElectionNS, "Namespace of the Lease; --namespace when empty.")
	fs.DurationVar(&o.LeaderElectionLease, "leader-election-lease-duration", o.LeaderElectionLease, "Lease duration.")
	fs.DurationVar(&o.LeaderElectionRenew, "leader-election-renew-deadline", o.LeaderElectionRenew, "Time the leader retries renewing before giving up.")
	fs.DurationVar(&o.LeaderElectionRetry, "leader-election-retry-period", o.LeaderElectionRetry, "Time between attempts to acquire or renew the Lease.")
	fs.Float32Var(&o.KubeAPIQPS, "kube-api-qps", o.KubeAPIQPS, "Queries per second to the Kubernetes API.")
	fs.IntVar(&o.KubeAPIBurst, "kube-api-burst", o.KubeAPIBurst, "Burst of queries to the Kubernetes API.")
	fs.DurationVar(&o.GracefulShutdownPeriod, "graceful-shutdown-period", o.GracefulShutdownPeriod, "Time given to in-flight work after a termination signal.")
	logsapi.AddFlags(o.Logs, fs)
}

// Validate checks the options and applies the logging configuration; call
// it first thing (cobra PreRunE).
func (o *Options) Validate() error {
	if o.Namespace == "" {
		return fmt.Errorf("--namespace must not be empty")
	}
	for flag, addr := range map[string]string{"--metrics-bind-address": o.MetricsBindAddress, "--health-bind-address": o.HealthBindAddress} {
		if addr == "0" || addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s %q: %w", flag, addr, err)
		}
	}
	if o.LeaderElect && o.LeaderElectionRenew >= o.LeaderElectionLease {
		return fmt.Errorf("--leader-election-renew-deadline (%s) must be shorter than --leader-election-lease-duration (%s)", o.LeaderElectionRenew, o.LeaderElectionLease)
	}
	if o.LeaderElectionNS == "" {
		o.LeaderElectionNS = o.Namespace
	}
	return logsapi.ValidateAndApply(o.Logs, nil)
}

// RESTConfig builds the client configuration from --kubeconfig, KUBECONFIG
// or the in-cluster environment, with the component's User-Agent and rate
// limits.
func (o *Options) RESTConfig() (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	var cfg *rest.Config
	var err error
	if o.Kubeconfig == "" && os.Getenv("KUBECONFIG") == "" {
		cfg, err = rest.InClusterConfig()
	} else {
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("loading the Kubernetes client configuration: %w", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "rockoon-" + o.Component
	cfg.QPS = o.KubeAPIQPS
	cfg.Burst = o.KubeAPIBurst
	return cfg, nil
}

// FieldManager is the field manager of every write of the component.
func (o *Options) FieldManager() string {
	return "rockoon-" + o.Component
}

// EnvOr returns the environment variable name, or def when it is unset or
// empty: the default of a flag that the original's environment variable
// also sets.
func EnvOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
