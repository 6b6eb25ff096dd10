// Package catalog is the project's knowledge of each service's Kubernetes
// objects: the graph of every chart's child objects per OpenStack release
// and neutron backend (pod labels, named ports, egress connections, image
// keys, manifest toggles, hash fields, per-node objects), as data this
// project owns (graph/*.json, regenerated from the reference facts by
// hack/gen-graph), and what is derived from it: the NetworkPolicy ingress
// rules every service template gets.
package catalog
