// Package catalog is the one place that knows each service: per service
// key (Services) its main chart, apply wave, health applications, default
// policy, Ceph users, borrowed and own Keystone accounts and supported
// releases; per chart its group (ChartGroup); and per release and neutron
// backend the graph of every chart's child objects (pod labels, named
// ports, egress connections, image keys, manifest toggles, hash fields,
// per-node objects) as data this project owns (graph/*.json, regenerated
// from the reference facts by hack/gen-graph), with what is derived from
// it: the NetworkPolicy ingress rules every service template gets.
//
// Adding a service is one template (templates/services/<key>.yaml) and one
// entry of Services: docs/adding-a-service.md.
package catalog
