// Package deploy holds the manifests that install the operator: the CRDs
// (generated into crds/), the namespaces, RBAC and the single-replica pod.
// Its test applies them to a real API server.
package deploy
