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
	"time"

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
	cmd := operator.Command(o, "Maintain the cloud's derived Secrets and the hashes of its watched inputs", nil,
		func(ctx context.Context, rt *operator.Runtime) error { return secrets.Run(ctx, rt, cfg) })
	f := cmd.Flags()
	f.StringVar(&cfg.ControllerNamespace, "controller-namespace", cfg.ControllerNamespace, "Namespace receiving keystone-os-clouds and exporter-ca-cert")
	f.StringVar(&cfg.ExternalNamespace, "external-namespace", cfg.ExternalNamespace, "Namespace receiving the external clouds.yaml and the external notification Secrets")
	f.StringVar(&cfg.TFNamespace, "tf-shared-namespace", cfg.TFNamespace, "Namespace of Tungsten Fabric's ost-data and of tf-data; env OSCTL_TF_SHARED_NAMESPACE")
	f.StringVar(&cfg.BGPVPNSecret, "bgpvpn-neighbor-secret", cfg.BGPVPNSecret, "Name of the BGP VPN neighbour Secret; env OSCTL_BGPVPN_BGP_NEIGHBOR_INFO_SECRET_NAME")
	f.DurationVar(&cfg.Resync, "resync-period", cfg.Resync, "Look at every input this often even without a change")
	operator.Execute(cmd)
}
