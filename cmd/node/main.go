// Command node keeps the cluster's Nodes in step with their OpenStack
// roles: the internal rockoon-<role label> labels, the NodeWorkloadLock
// openstack-<node> of every node with a role, and the force deletion of
// the cloud's pods from nodes NotReady longer than the flapping timeout.
// See pkg/node.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"rockoon.dev/rockoon/pkg/node"
	"rockoon.dev/rockoon/pkg/operator"
)

func main() {
	o := operator.NewOptions("node", 32772)
	cfg := node.Config{
		FlappingTimeout: node.DefaultFlappingTimeout,
		ClusterRelease:  os.Getenv("OSCTL_CLUSTER_RELEASE"),
		Resync:          10 * time.Minute,
	}
	roles := operator.EnvOr(node.RolesEnv, node.DefaultRoles)
	validate := func() error {
		var err error
		if cfg.Roles, err = node.ParseRoles(roles); err != nil {
			return fmt.Errorf("--openstack-node-labels: %w", err)
		}
		if cfg.FlappingTimeout <= 0 {
			return fmt.Errorf("--node-not-ready-flapping-timeout must be positive")
		}
		return nil
	}
	cmd := operator.Command(o, "Keep the Nodes' role labels and workload locks in step with their OpenStack roles, and clear dead nodes", validate,
		func(ctx context.Context, rt *operator.Runtime) error { return node.Run(ctx, rt, cfg) })
	f := cmd.Flags()
	f.StringVar(&roles, "openstack-node-labels", roles, "OpenStack node roles as JSON, role name to its one label and value; env "+node.RolesEnv)
	f.DurationVar(&cfg.FlappingTimeout, "node-not-ready-flapping-timeout", cfg.FlappingTimeout, "How long a node must be NotReady before the cloud's pods on it are force-deleted")
	f.StringVar(&cfg.ClusterRelease, "cluster-release", cfg.ClusterRelease, "Cluster release recorded in the NodeWorkloadLocks' status.release (a lock of another release is made active again); env OSCTL_CLUSTER_RELEASE")
	f.DurationVar(&cfg.Resync, "resync-period", cfg.Resync, "Look at every node this often even without a change")
	operator.Execute(cmd)
}
