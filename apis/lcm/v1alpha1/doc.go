// Package v1alpha1 holds the lcm.mirantis.com/v1alpha1 API of the OpenStack
// controller: OpenStackDeployment (osdpl), OpenStackDeploymentStatus
// (osdplst) and the cluster-scoped workload-lock and maintenance kinds.
//
// The group, kinds, plurals, short names and JSON field names are those of
// the original Rockoon controller, so that existing MOSK objects work
// unchanged. Every object type that may carry fields this package does not
// declare (spec.features and its subtrees, the status written by older
// controllers) keeps those fields in an UnknownFields member, so that decoding
// and re-encoding an object never drops what a user or another controller
// wrote. Free-form subtrees (services, common, nodes, migration, any values)
// are kept as raw JSON.
//
// +k8s:deepcopy-gen=package
// +groupName=lcm.mirantis.com
package v1alpha1
