// Command localcluster runs the local test cluster of pkg/testenv (etcd,
// kube-apiserver, kube-controller-manager and, with --kwok, kube-scheduler,
// kwok and fake nodes) until interrupted, for `make demo` and manual work.
// It writes an admin kubeconfig to --kubeconfig-out once everything is up.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"rockoon.dev/rockoon/pkg/testenv"
)

func main() {
	out := flag.String("kubeconfig-out", "", "write the admin kubeconfig here")
	kwok := flag.Bool("kwok", false, "also run kube-scheduler and kwok with fake nodes")
	nodes := flag.Int("nodes", 1, "fake nodes to create with --kwok")
	volumes := flag.Int("volumes", 0, "PersistentVolumes of --storage-class to create (no provisioner runs here)")
	podDelay := flag.Duration("pod-delay", 0, "with --kwok: how long a pod takes to become Ready, or a Job's pod to complete (0: at once)")
	class := flag.String("storage-class", "local-path", "storage class of --volumes")
	crds := flag.String("crds", "", "CRD directory (default: the repository's deploy/crds)")
	gateway := flag.Bool("gateway-crds", true, "also install the Gateway API and Envoy Gateway CRDs (the app-gateway chart's objects; hack/build-cluster-bins.sh gateway-crds)")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	opts := testenv.Options{ControllerManager: true, Scheduler: *kwok, Kwok: *kwok, KwokPodDelay: *podDelay, Output: os.Stderr, StartTimeout: 2 * time.Minute}
	if *crds != "" {
		opts.CRDDirs = []string{*crds}
	}
	opts.GatewayCRDs = *gateway
	start, stop := context.WithTimeout(ctx, 5*time.Minute)
	env, err := testenv.Start(start, opts)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
	defer env.Stop()
	if *kwok {
		labels := map[string]string{
			"openstack-control-plane": "enabled", "openstack-compute-node": "enabled",
			"openvswitch": "enabled", "openstack-gateway": "enabled",
		}
		for i := 1; i <= *nodes; i++ {
			if _, err := env.FakeNode(ctx, fmt.Sprintf("node-%d", i), labels); err != nil {
				fmt.Fprintln(os.Stderr, "localcluster:", err)
				os.Exit(1)
			}
		}
	}
	if err := env.LocalVolumes(ctx, *class, *volumes); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
	if *out != "" {
		data, err := os.ReadFile(env.KubeconfigPath)
		if err == nil {
			err = os.WriteFile(*out+".tmp", data, 0o600)
		}
		if err == nil {
			err = os.Rename(*out+".tmp", *out)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "localcluster:", err)
			os.Exit(1)
		}
	}
	fmt.Fprintf(os.Stderr, "localcluster: API server %s ready (kubeconfig %s); Ctrl-C stops it\n", env.Config.Host, *out)
	<-ctx.Done()
}
