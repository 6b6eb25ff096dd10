package catalog

import "slices"

// Service is everything the controller knows about one service key
// besides its template (templates/services/<key>.yaml) and its object
// graph: adding a service is that template plus one entry of Services.
type Service struct {
	// Key is the service key of spec.features.services.
	Key string
	// Chart is the main chart of an OpenStack service (the original's
	// OS_SERVICES_MAP): it names the generated-<key>-passwords pair's
	// users and the service's RabbitMQ users. Infrastructure services
	// have none.
	Chart string
	// Wave is the apply wave (DESIGN §4.6): 0 infrastructure, 1 identity,
	// 2 what others depend on, 3 the rest, 4 tests.
	Wave int
	// Health are the applications of osdplst status.health that must be
	// Ready for the service to be healthy; nil with HealthFromChart: the
	// main chart's.
	Health []string
	// NoHealth: the service has no workload to wait for (app-gateway makes
	// Gateway API objects only; tests run once).
	NoHealth bool
	// Policy: the main chart takes the controller's default oslo.policy
	// rules (service_policy).
	Policy bool
	// NoDashboardPolicy: the dashboard has no policy of the chart (it is
	// not in the original's os_policy_services: manila, aetos).
	NoDashboardPolicy bool
	// CephUsers are the Ceph users whose keys the service gets (the `ceph`
	// template argument and the <user>-rbd-keyring Secrets).
	CephUsers []string
	// Borrows are Keystone accounts of other services the template gets
	// (keystone_creds): {owner service key, account}.
	Borrows [][2]string
	// Accounts are Keystone accounts of the service beyond its main
	// chart's and "test".
	Accounts []string
	// Since and Until bound the OpenStack releases that support the
	// service (inclusive; "" is unbounded).
	Since, Until string
	// ReadsRendered: the template gets rendered_services, service key →
	// release name → final values of every service of the earlier waves
	// (tempest builds its configuration from them, reference §2.6). Only
	// a service of the last wave may set it, so that every other service
	// is rendered before it.
	ReadsRendered bool
	// Namespace is the namespace of the service's releases (and of the
	// Secrets only they read) when it is not the cloud's: the original's
	// shared namespaces (redis: RedisNamespace).
	Namespace string
}

// RedisNamespace is the namespace of the redis operator and failover (the
// original's OSCTL_REDIS_NAMESPACE default; the redisoperator chart puts
// its RedisFailover there).
const RedisNamespace = "openstack-redis"

// ReleaseNamespace is the namespace of the service's releases in a cloud
// whose OpenStackDeployment is in namespace cloud.
func (s Service) ReleaseNamespace(cloud string) string {
	if s.Namespace != "" {
		return s.Namespace
	}
	return cloud
}

// Services is the catalogue, by wave then key.
var Services = []Service{
	{Key: "app-gateway", Wave: 0, NoHealth: true},
	{Key: "coordination", Wave: 0, Health: []string{"etcd"}},
	{Key: "database", Wave: 0, Health: []string{"mariadb"}},
	{Key: "descheduler", Wave: 0, NoHealth: true},
	{Key: "ingress", Wave: 0, Health: []string{"ingress"}},
	{Key: "memcached", Wave: 0, Health: []string{"memcached"}},
	{Key: "messaging", Wave: 0, Health: []string{"rabbitmq"}},
	{Key: "redis", Wave: 0, NoHealth: true, Namespace: RedisNamespace},

	{Key: "identity", Chart: "keystone", Wave: 1, Policy: true, Accounts: []string{"osctl"}},

	{Key: "image", Chart: "glance", Wave: 2, Policy: true, CephUsers: []string{"glance"}},
	{Key: "key-manager", Chart: "barbican", Wave: 2, Policy: true},
	{Key: "networking", Chart: "neutron", Wave: 2, Policy: true, Borrows: [][2]string{{"compute", "nova"}, {"dns", "designate"}, {"baremetal", "ironic"}}},
	{Key: "placement", Chart: "placement", Wave: 2, Policy: true, Since: "stein"},

	{Key: "alarming", Chart: "aodh", Wave: 3, Policy: true},
	{Key: "baremetal", Chart: "ironic", Wave: 3, Policy: true, Borrows: [][2]string{{"networking", "neutron"}, {"image", "glance"}, {"compute", "nova"}}},
	{Key: "block-storage", Chart: "cinder", Wave: 3, Policy: true, CephUsers: []string{"cinder"}},
	{Key: "cloudprober", Wave: 3, Health: []string{"cloudprober"}, Borrows: [][2]string{{"identity", "osctl"}}},
	{Key: "compute", Chart: "nova", Wave: 3, Policy: true, CephUsers: []string{"nova", "cinder"},
		Borrows: [][2]string{{"networking", "neutron"}, {"placement", "placement"}, {"block-storage", "cinder"}, {"baremetal", "ironic"}}},
	{Key: "dashboard", Chart: "horizon", Wave: 3},
	{Key: "dns", Chart: "designate", Wave: 3, Policy: true},
	{Key: "dynamic-resource-balancer", Wave: 3},
	{Key: "event", Chart: "panko", Wave: 3, Policy: true, Until: "wallaby"},
	{Key: "instance-ha", Chart: "masakari", Wave: 3, Policy: true, Since: "victoria"},
	{Key: "load-balancer", Chart: "octavia", Wave: 3, Policy: true},
	{Key: "metering", Chart: "ceilometer", Wave: 3},
	{Key: "metric", Chart: "gnocchi", Wave: 3, Policy: true, Until: "epoxy"},
	{Key: "metric-storage", Chart: "aetos", Wave: 3, Policy: true, NoDashboardPolicy: true, Since: "gazpacho"},
	{Key: "object-storage", Chart: "ceph-rgw", Wave: 3, NoHealth: true},
	{Key: "orchestration", Chart: "heat", Wave: 3, Policy: true, Accounts: []string{"heat_trustee", "heat_stack_user"}},
	{Key: "shared-file-system", Chart: "manila", Wave: 3, Policy: true, NoDashboardPolicy: true, CephUsers: []string{"manila"}, Since: "yoga",
		Borrows: [][2]string{{"networking", "neutron"}, {"block-storage", "cinder"}, {"image", "glance"}, {"compute", "nova"}}},

	{Key: "stepler", Chart: "stepler", Wave: 4, NoHealth: true, ReadsRendered: true},
	{Key: "tempest", Chart: "tempest", Wave: 4, NoHealth: true, ReadsRendered: true},
}

// Waves is the number of apply waves.
const Waves = 5

// restWave is the wave of a service the catalogue does not know.
const restWave = 3

// Lookup returns the catalogue entry of a service key.
func Lookup(key string) (Service, bool) {
	i := slices.IndexFunc(Services, func(s Service) bool { return s.Key == key })
	if i < 0 {
		return Service{}, false
	}
	return Services[i], true
}

// WaveOf returns the apply wave of a service key (unknown: the rest's).
func WaveOf(key string) int {
	if s, ok := Lookup(key); ok {
		return s.Wave
	}
	return restWave
}

// ServiceCharts maps the OpenStack service keys to their main chart (the
// original's OS_SERVICES_MAP).
func ServiceCharts() map[string]string {
	out := map[string]string{}
	for _, s := range Services {
		if s.Chart != "" {
			out[s.Key] = s.Chart
		}
	}
	return out
}

// HealthGroups returns the applications of osdplst status.health that must
// all be Ready for the service to be healthy: the original's health
// groups. An OpenStack service checks its main chart; networking also its
// virtual switch (openvswitch, or openvswitch_ovn with ml2/ovn).
func (s Service) HealthGroups(ovn bool) []string {
	switch {
	case s.NoHealth:
		return nil
	case s.Health != nil:
		return s.Health
	case s.Chart == "":
		return nil
	case s.Key == "networking" && ovn:
		return []string{s.Chart, "openvswitch_ovn"}
	case s.Key == "networking":
		return []string{s.Chart, "openvswitch"}
	}
	return []string{s.Chart}
}

// PolicyCharts are the charts whose policies the dashboard gets (the
// original's os_policy_services): those taking the controller's default
// oslo.policy rules but manila and aetos.
func PolicyCharts() []string {
	var out []string
	for _, s := range Services {
		if s.Policy && !s.NoDashboardPolicy {
			out = append(out, s.Chart)
		}
	}
	return out
}

// chartGroups are the charts of each group ("openstack" or "infra"), the
// original's CHART_GROUP_MAPPING: the group selects common.<group> of the
// spec and the charts directory's subdirectory.
var chartGroups = map[string][]string{
	"openstack": {"cinder", "glance", "heat", "horizon", "ironic", "keystone", "neutron", "nova", "octavia",
		"designate", "barbican", "placement", "tempest", "stepler", "aodh", "panko", "ceilometer", "masakari", "manila", "aetos"},
	"infra": {"app-gateway", "cloudprober", "rabbitmq", "mariadb", "memcached", "openvswitch", "libvirt",
		"ingress", "etcd", "descheduler", "gnocchi", "ceph-rgw", "frr", "iscsi", "strongswan", "drb-controller",
		"redisoperator", "prometheus"},
}

// ChartGroup returns the group of a chart, "" when unknown.
func ChartGroup(chart string) string {
	for g, charts := range chartGroups {
		if slices.Contains(charts, chart) {
			return g
		}
	}
	return ""
}
