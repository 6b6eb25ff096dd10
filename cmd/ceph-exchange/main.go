// Command ceph-exchange keeps the cloud in step with the Ceph side's
// exchange Secret openstack-ceph-keys: the <user>-rbd-keyring Secrets of
// the cloud namespace hold the current keys, and the osdpl's
// status.watched.ceph.secret.hash follows the Secret so that osdpl rolls
// changes out. See pkg/ceph.
package main

import (
	"context"
	"time"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/operator"
)

func main() {
	o := operator.NewOptions("ceph-exchange", 32774)
	resync := 10 * time.Minute
	shared := operator.EnvOr("OSCTL_CEPH_SHARED_NAMESPACE", ceph.SharedNamespace)
	cmd := operator.Command(o, "Keep the cloud's Ceph keyrings and status.watched in step with the Ceph exchange Secret", nil,
		func(ctx context.Context, rt *operator.Runtime) error { return ceph.Run(ctx, rt, shared, resync) })
	cmd.Flags().StringVar(&shared, "ceph-shared-namespace", shared, "Namespace of the Ceph exchange Secret openstack-ceph-keys; env OSCTL_CEPH_SHARED_NAMESPACE")
	cmd.Flags().DurationVar(&resync, "resync-period", resync, "Look at the exchange Secret this often even without a change")
	operator.Execute(cmd)
}
