// Package node owns the node binary's work on the cluster's Nodes (the
// original's node container): one controller whose key is a node name.
// Each sync recomputes everything about the node from the informers'
// caches, so a resync or a restart converges and writes nothing when
// nothing changed:
//
//   - roles (Roles, from OSCTL_OPENSTACK_NODE_LABELS): the internal label
//     rockoon-<role label>=controller on every node that has the role,
//     removed from those that do not;
//   - the NodeWorkloadLock openstack-<node> of every node with an
//     OpenStack role (spec, the original-node annotation, status.state
//     active and status.release), deleted when the node loses its roles
//     or goes (unless a NodeDisableNotification names it);
//   - dead nodes: once a node has been NotReady longer than the flapping
//     timeout, the cloud namespace's pods on it are force-deleted (grace
//     period 0), so that their controllers recreate them elsewhere;
//   - the original's kopf finalizer on Nodes is removed.
//
// The maintenance protocol (NodeMaintenanceRequest and the other requests,
// the lock state changes they drive), Masakari notifications and every
// OpenStack API call are not done yet.
package node
