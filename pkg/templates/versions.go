package templates

// OpenStackVersions are the release names in order, including the
// releases the API does not accept (zed, bobcat, dalmatian, flamingo) so
// that ordinals match the original's (queens=1 … gazpacho=17).
var OpenStackVersions = []string{
	"queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga",
	"zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo", "gazpacho",
}

// SchemaVersions are the releases the API accepts, in order, then master.
var SchemaVersions = []string{"queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga",
	"antelope", "caracal", "epoxy", "gazpacho", "master"}

// NextVersion returns the release after version among SchemaVersions
// (master after the last one and after itself).
func NextVersion(version string) string {
	for i, v := range SchemaVersions {
		if v == version && i+1 < len(SchemaVersions) {
			return SchemaVersions[i+1]
		}
	}
	return "master"
}

// SLURPReleases are the releases one may upgrade to from the previous SLURP
// release, skipping one.
var SLURPReleases = []string{"yoga", "antelope", "caracal", "epoxy", "gazpacho"}

// VersionOrdinal returns the position of an OpenStack release (queens=1);
// "master" is after every release; unknown names are 0.
func VersionOrdinal(name string) int {
	if name == "master" {
		return len(OpenStackVersions) + 100
	}
	for i, v := range OpenStackVersions {
		if v == name {
			return i + 1
		}
	}
	return 0
}

// ServiceCharts maps the OpenStack service keys to their main chart (the
// original's OS_SERVICES_MAP). Services listed here get a
// generated-<svc>-passwords pair and RabbitMQ users.
var ServiceCharts = map[string]string{
	"block-storage": "cinder", "compute": "nova", "dns": "designate", "identity": "keystone", "image": "glance",
	"networking": "neutron", "orchestration": "heat", "dashboard": "horizon", "load-balancer": "octavia",
	"key-manager": "barbican", "placement": "placement", "baremetal": "ironic", "alarming": "aodh",
	"event": "panko", "metering": "ceilometer", "metric": "gnocchi", "tempest": "tempest",
	"object-storage": "ceph-rgw", "instance-ha": "masakari", "shared-file-system": "manila",
	"stepler": "stepler", "metric-storage": "aetos",
}

// PolicyServices are the charts whose default policy the original hands
// their service template as service_policy (its os_policy_services), in
// the original's order; the dashboard gets all of them.
var PolicyServices = []string{
	"cinder", "nova", "designate", "keystone", "glance", "neutron", "heat", "octavia",
	"barbican", "placement", "ironic", "aodh", "panko", "gnocchi", "masakari",
}

// IngressTargets are the objects ("<svc>:<chart>:<Kind>:<name>") that
// receive traffic from other pods of the cloud (the original's child-object
// graph: API servers behind the ingress, databases, message queues, …);
// each gets an ingress rule in the network_policies template argument.
var IngressTargets = []string{
	"alarming:aodh:Deployment:aodh-api", "baremetal:ironic:Deployment:ironic-api",
	"block-storage:cinder:Deployment:cinder-api", "cloudprober:cloudprober:Deployment:openstack-cloudprober",
	"compute:nova:Deployment:nova-api-metadata", "compute:nova:Deployment:nova-api-osapi",
	"compute:nova:Deployment:nova-novncproxy", "compute:nova:Deployment:nova-spiceproxy",
	"compute:rabbitmq:StatefulSet:openstack-nova-rabbitmq-rabbitmq", "coordination:etcd:StatefulSet:etcd-etcd",
	"dashboard:horizon:Deployment:horizon", "database:mariadb:StatefulSet:mariadb-server",
	"dns:designate:StatefulSet:designate-api", "identity:keystone:Deployment:keystone-api",
	"image:glance:Deployment:glance-api", "image:glance:Deployment:glance-registry",
	"instance-ha:masakari:Deployment:masakari-api", "key-manager:barbican:Deployment:barbican-api",
	"load-balancer:octavia:Deployment:octavia-api", "memcached:memcached:StatefulSet:openstack-memcached-memcached",
	"messaging:rabbitmq:StatefulSet:openstack-rabbitmq-rabbitmq", "metric-storage:aetos:Deployment:aetos-api",
	"metric-storage:prometheus:StatefulSet:openstack-prometheus-server", "metric:gnocchi:Deployment:gnocchi-api",
	"networking:neutron:Deployment:neutron-server", "networking:rabbitmq:StatefulSet:openstack-neutron-rabbitmq-rabbitmq",
	"orchestration:heat:Deployment:heat-api", "orchestration:heat:Deployment:heat-cfn",
	"placement:placement:Deployment:placement-api", "shared-file-system:manila:Deployment:manila-api",
}

// NetworkPolicies is the network_policies template argument: for every
// ingress target, the rule admitting the cloud's own pods. The original
// derives one podSelector per connecting child object from its
// child-object graph; we admit every pod of the release namespace
// ({podSelector: {}}), a valid, slightly wider rule with the same effect
// for traffic between the cloud's services. (The original's golden files
// stub this argument as {default: selector}, which the API refuses.)
func NetworkPolicies() map[string]any {
	ingress := map[string]any{}
	for _, t := range IngressTargets {
		ingress[t] = []any{map[string]any{"from": []any{map[string]any{"podSelector": map[string]any{}}}}}
	}
	return map[string]any{"ingress": ingress, "egress": map[string]any{}}
}

// DefaultPodNetworks is the pod_networks template argument's default (the
// original's OSCTL_POD_NETWORKS_DATA default).
func DefaultPodNetworks() []any {
	return []any{map[string]any{"cidr": "192.168.0.0/16"}}
}
