// Command secrets maintains the cloud's derived Secrets and the hashes of
// its watched inputs: keystone-os-clouds for the controller and the
// external clouds.yaml, the exporter's CA, the Tungsten Fabric tf-data,
// the external notification Secrets, the credential rotation timestamps
// in the osdplst, and status.watched of the osdpl (value_from Secrets,
// watched ConfigMaps, the BGP VPN neighbours, TF's ost-data). See
// pkg/secrets.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/secrets"
)

func main() {
	o := operator.NewOptions("secrets", 32770)
	cfg := secrets.Config{
		ControllerNamespace: secrets.DefaultControllerNamespace,
		ExternalNamespace:   secrets.DefaultExternalNamespace,
		TFNamespace:         operator.EnvOr("OSCTL_TF_SHARED_NAMESPACE", secrets.DefaultTFNamespace),
		BGPVPNSecret:        operator.EnvOr("OSCTL_BGPVPN_BGP_NEIGHBOR_INFO_SECRET_NAME", secrets.DefaultBGPVPNSecret),
		Resync:              10 * time.Minute,
	}
	cmd := &cobra.Command{
		Use:           "secrets",
		Short:         "Maintain the cloud's derived Secrets and the hashes of its watched inputs",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PreRunE:       func(*cobra.Command, []string) error { return o.Validate() },
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := operator.NewRuntime(o)
			if err != nil {
				return err
			}
			return rt.Run(cmd.Context(), func(ctx context.Context) error { return secrets.Run(ctx, rt, cfg) })
		},
	}
	o.AddFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&cfg.ControllerNamespace, "controller-namespace", cfg.ControllerNamespace, "Namespace receiving keystone-os-clouds and exporter-ca-cert")
	f.StringVar(&cfg.ExternalNamespace, "external-namespace", cfg.ExternalNamespace, "Namespace receiving the external clouds.yaml and the external notification Secrets")
	f.StringVar(&cfg.TFNamespace, "tf-shared-namespace", cfg.TFNamespace, "Namespace of Tungsten Fabric's ost-data and of tf-data; env OSCTL_TF_SHARED_NAMESPACE")
	f.StringVar(&cfg.BGPVPNSecret, "bgpvpn-neighbor-secret", cfg.BGPVPNSecret, "Name of the BGP VPN neighbour Secret; env OSCTL_BGPVPN_BGP_NEIGHBOR_INFO_SECRET_NAME")
	f.DurationVar(&cfg.Resync, "resync-period", cfg.Resync, "Look at every input this often even without a change")
	if err := cmd.ExecuteContext(operator.SetupSignalContext()); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
