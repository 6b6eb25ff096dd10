// Command health publishes the health of the cloud's workloads
// (Deployments, StatefulSets, DaemonSets of the cloud namespace) in the
// OpenStackDeploymentStatus: status.health.<application>.<component> and
// the HEALTH column. See pkg/health.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"rockoon.dev/rockoon/pkg/health"
	"rockoon.dev/rockoon/pkg/operator"
)

func main() {
	o := operator.NewOptions("health", 32771)
	resync := 60 * time.Second
	cmd := &cobra.Command{
		Use:           "health",
		Short:         "Publish the health of the cloud's workloads in the OpenStackDeploymentStatus",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PreRunE:       func(*cobra.Command, []string) error { return o.Validate() },
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := operator.NewRuntime(o)
			if err != nil {
				return err
			}
			return rt.Run(cmd.Context(), func(ctx context.Context) error { return health.Run(ctx, rt, resync) })
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().DurationVar(&resync, "resync-period", resync, "Recompute the health this often even without a change (heals missed events)")
	if err := cmd.ExecuteContext(operator.SetupSignalContext()); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
