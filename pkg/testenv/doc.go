// Package testenv runs a real kube-apiserver and etcd on loopback for tests
// and the local demo.
//
// The binaries are built once from pinned sources by
// hack/build-cluster-bins.sh into a cache directory outside the repository
// ($ROCKOON_CACHE, default ~/.cache/rockoon-go); `make test-env` does that.
// Start launches etcd and kube-apiserver on free ports with generated
// certificates, an admin token and RBAC authorization, installs the CRDs of
// deploy/crds, waits until they are established and returns an Env whose
// Config is an admin *rest.Config. Env.UserConfig mints configs for other,
// restricted users (client certificates signed by the env's CA). Optionally
// kube-controller-manager (garbage collection, workload controllers, node
// lifecycle), kube-scheduler and kwok run too: with all three, Deployments,
// StatefulSets and DaemonSets really roll out onto fake nodes (Env.FakeNode)
// whose pods become Running and Ready without a container runtime. Stop kills every process and removes every
// temporary file; child processes also die with the test binary.
package testenv
