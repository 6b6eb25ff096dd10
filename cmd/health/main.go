// Command health publishes the health of the cloud's workloads
// (Deployments, StatefulSets, DaemonSets of the cloud namespace) in the
// OpenStackDeploymentStatus: status.health.<application>.<component> and
// the HEALTH column. See pkg/health.
package main

import (
	"context"
	"time"

	"rockoon.dev/rockoon/pkg/health"
	"rockoon.dev/rockoon/pkg/operator"
)

func main() {
	o := operator.NewOptions("health", 32771)
	resync := 60 * time.Second
	cmd := operator.Command(o, "Publish the health of the cloud's workloads in the OpenStackDeploymentStatus", nil,
		func(ctx context.Context, rt *operator.Runtime) error { return health.Run(ctx, rt, resync) })
	cmd.Flags().DurationVar(&resync, "resync-period", resync, "Recompute the health this often even without a change (heals missed events)")
	operator.Execute(cmd)
}
