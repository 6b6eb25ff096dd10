// Command ceph-exchange keeps the cloud in step with the Ceph side's
// exchange Secret openstack-ceph-keys: the <user>-rbd-keyring Secrets of
// the cloud namespace hold the current keys, and the osdpl's
// status.watched.ceph.secret.hash follows the Secret so that osdpl rolls
// changes out. See pkg/ceph.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/operator"
)

func main() {
	o := operator.NewOptions("ceph-exchange", 32774)
	resync := 10 * time.Minute
	shared := operator.EnvOr("OSCTL_CEPH_SHARED_NAMESPACE", ceph.SharedNamespace)
	cmd := &cobra.Command{
		Use:           "ceph-exchange",
		Short:         "Keep the cloud's Ceph keyrings and status.watched in step with the Ceph exchange Secret",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PreRunE:       func(*cobra.Command, []string) error { return o.Validate() },
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := operator.NewRuntime(o)
			if err != nil {
				return err
			}
			return rt.Run(cmd.Context(), func(ctx context.Context) error { return ceph.Run(ctx, rt, shared, resync) })
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&shared, "ceph-shared-namespace", shared, "Namespace of the Ceph exchange Secret openstack-ceph-keys; env OSCTL_CEPH_SHARED_NAMESPACE")
	cmd.Flags().DurationVar(&resync, "resync-period", resync, "Look at the exchange Secret this often even without a change")
	if err := cmd.ExecuteContext(operator.SetupSignalContext()); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
