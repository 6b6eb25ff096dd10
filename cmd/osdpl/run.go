package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/version"
)

type runOptions struct {
	*operator.Options
	chartsDir           string
	chartRepo           string
	chartVersion        string
	chartRepoInsecure   bool
	disableHooks        bool
	maxParallel         int
	helmTimeout         time.Duration
	imagesBaseURL       string
	binaryBaseURL       string
	resync              time.Duration
	cephSharedNamespace string
	lmaSharedNamespace  string
	podNetworks         string
	waitHealthy         bool
	readinessTimeout    time.Duration
	readinessDelay      time.Duration
}

func newRunCommand() *cobra.Command {
	o := &runOptions{Options: operator.NewOptions("osdpl", 32768)}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the controller (the default)",
		Args:  cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			return o.Validate()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	o.AddFlags(fs)
	fs.StringVar(&o.chartsDir, "charts-dir", operator.EnvOr("CHARTS_DIR", "/opt/rockoon/charts"), "Charts directory, laid out as <dir>/{openstack,infra}/<chart>")
	fs.StringVar(&o.chartRepo, "chart-repository", "", "URL of a Helm chart repository to take the charts from instead of --charts-dir")
	fs.StringVar(&o.chartVersion, "chart-version", "", "Version (or semver constraint) of the charts taken from --chart-repository; required with it")
	fs.BoolVar(&o.chartRepoInsecure, "chart-repository-allow-insecure", false, "Allow a plain http:// --chart-repository")
	fs.BoolVar(&o.disableHooks, "helm-disable-hooks", false, "Skip chart hooks (only for clusters where no pod runs, whose hook Jobs never complete)")
	fs.IntVar(&o.maxParallel, "max-parallel", 4, "Helm actions run at once (1 serializes them as the original did)")
	fs.DurationVar(&o.helmTimeout, "helm-timeout", 10*time.Minute, "Timeout of one Helm action")
	fs.StringVar(&o.imagesBaseURL, "images-base-url", defaultImagesBaseURL(), "Default images base URL (spec.artifacts wins)")
	fs.StringVar(&o.binaryBaseURL, "binary-base-url", defaultBinaryBaseURL(), "Default binaries base URL (spec.artifacts wins)")
	fs.StringVar(&o.podNetworks, "pod-networks", operator.EnvOr("OSCTL_POD_NETWORKS_DATA", render.DefaultPodNetworks), "The cluster's pod networks, a JSON list of {\"cidr\": ...}: the NetworkPolicies admit them where the original does; env OSCTL_POD_NETWORKS_DATA")
	fs.DurationVar(&o.resync, "resync-period", 10*time.Minute, "Reconcile an unchanged OpenStackDeployment this often, to repair drift")
	fs.StringVar(&o.cephSharedNamespace, "ceph-shared-namespace", operator.EnvOr("OSCTL_CEPH_SHARED_NAMESPACE", ceph.SharedNamespace), "Namespace of the Ceph exchange Secrets (openstack-ceph-keys); env OSCTL_CEPH_SHARED_NAMESPACE")
	fs.StringVar(&o.lmaSharedNamespace, "lma-shared-namespace", render.DefaultLMASharedNamespace, "Namespace of StackLight's integration Secrets (rabbitmq-creds, openstack-lma-config)")
	fs.BoolVar(&o.waitHealthy, "wait-healthy", true, "Start a wave, and report APPLIED, only when the services of the earlier waves are Ready in the health binary's osdplst status.health (false: only for clusters where no pod runs)")
	fs.DurationVar(&o.readinessTimeout, "application-readiness-timeout", 1200*time.Second, "Default of spec.timeouts.application_readiness.<app>.timeout: past it a wait is also Degraded")
	fs.DurationVar(&o.readinessDelay, "application-readiness-delay", 10*time.Second, "Default of spec.timeouts.application_readiness.<app>.delay: how often an awaited application is looked at")
	return cmd
}

func (o *runOptions) run(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	logger.Info("Starting", "version", version.Version, "namespace", o.Namespace, "chartsDir", o.chartsDir)
	podNetworks, err := render.ParsePodNetworks(o.podNetworks)
	if err != nil {
		return fmt.Errorf("--pod-networks: %w", err)
	}
	rt, err := operator.NewRuntime(o.Options)
	if err != nil {
		return err
	}
	return rt.Run(ctx, func(ctx context.Context) error {
		return osdpl.Run(ctx, rt, osdpl.Config{
			PodNetworks:   podNetworks,
			ImagesBaseURL: o.imagesBaseURL, BinaryBaseURL: o.binaryBaseURL,
			ControllerHost: osdpl.Hostname(), Resync: o.resync, CephSharedNamespace: o.cephSharedNamespace, LMASharedNamespace: o.lmaSharedNamespace,
			WaitHealthy: o.waitHealthy, HealthTimeout: o.readinessTimeout, HealthDelay: o.readinessDelay,
		}, helm.Options{ChartsDir: o.chartsDir, ChartRepository: o.chartRepo, ChartVersion: o.chartVersion,
			AllowInsecureChartRepository: o.chartRepoInsecure, DisableHooks: o.disableHooks, MaxParallel: o.maxParallel, Timeout: o.helmTimeout})
	})
}
