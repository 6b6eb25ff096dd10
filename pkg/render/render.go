package render

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"

	"k8s.io/klog/v2"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

// Input is what one OpenStackDeployment renders from.
type Input struct {
	// Spec is the object's full .spec, as generic values.
	Spec map[string]any
	// Namespace is the osdpl's namespace: releases and Secrets live there
	// (but those of a service with a namespace of its own, redis).
	Namespace string
	// Secrets are the value_from substitution Secrets (name → data).
	Secrets map[string]map[string][]byte
	// ImagesBaseURL and BinaryBaseURL are the controller defaults.
	ImagesBaseURL, BinaryBaseURL string
	// ArtifactOverrides replace images of the release's artifact list (the
	// <osdpl>-artifacts ConfigMap's entry for openstack_version).
	ArtifactOverrides map[string]string
	// CephKeys is the parsed openstack-ceph-keys exchange Secret; nil when
	// the cloud has no Ceph (yet).
	CephKeys *ceph.Keys
	// PodNetworks are the cluster's pod networks ([{cidr: …}], the
	// original's OSCTL_POD_NETWORKS_DATA); nil: the default.
	PodNetworks []any
	// RedisPassword is the password of the cloud's Redis (Secret
	// generated-redis-password of RedisNamespace, written by the redis
	// service); "" when there is none yet.
	RedisNamespace, RedisPassword string
	// TFData is the Tungsten Fabric operator's ost-data Secret, decoded;
	// nil when there is none.
	TFData map[string]string
	// LMASharedNamespace receives StackLight's integration Secrets
	// (rabbitmq-creds, openstack-lma-config); "": the default,
	// openstack-lma-shared.
	LMASharedNamespace string
	// NoLMASharedNamespace: Gather found no LMA shared namespace; the
	// StackLight integration Secrets are not written.
	NoLMASharedNamespace bool
}

// Release is one Helm release with its final values.
type Release struct {
	Name      string
	Namespace string
	Group     string // charts-dir group: openstack or infra
	Chart     string
	Values    map[string]any
}

// Service is an enabled service's releases.
type Service struct {
	Key      string
	Wave     int
	Releases []Release
}

// Result is a rendered OpenStackDeployment.
type Result struct {
	MSpec       map[string]any
	Fingerprint string
	// Services are the enabled services that have a template, in apply
	// order (wave, then key).
	Services []Service
	// Untemplated are enabled services this controller has no template
	// for yet; they are left alone.
	Untemplated []string
}

// Renderer renders OpenStackDeployments.
type Renderer struct {
	Templates *templates.Engine
	Store     Store
}

// Render builds mspec and every enabled service's releases. Errors name
// the service, template, release or spec path involved.
func (r *Renderer) Render(ctx context.Context, in Input) (*Result, error) {
	version, _ := in.Spec["openstack_version"].(string)
	mspec, err := r.Templates.MSpec(in.Spec, in.Secrets, in.Namespace, in.ImagesBaseURL, in.BinaryBaseURL)
	if err != nil {
		return nil, err
	}
	fp, err := layering.Fingerprint(mspec)
	if err != nil {
		return nil, err
	}
	res := &Result{MSpec: mspec, Fingerprint: fp}

	imagesBase, _ := layering.Get(mspec, "artifacts", "images_base_url").(string)
	binaryBase, _ := layering.Get(mspec, "artifacts", "binary_base_url").(string)
	images, err := r.Templates.Artifacts(version, imagesBase, binaryBase)
	if err != nil {
		return nil, fmt.Errorf("spec.openstack_version %q: %w", version, err)
	}
	for k, v := range in.ArtifactOverrides {
		images[k] = v
	}

	enabled := layering.EnabledServices(mspec)
	var templated []string
	for _, svc := range enabled {
		if r.Templates.HasService(svc) {
			templated = append(templated, svc)
		} else {
			res.Untemplated = append(res.Untemplated, svc)
		}
	}
	sort.SliceStable(templated, func(i, j int) bool {
		wi, wj := catalog.WaveOf(templated[i]), catalog.WaveOf(templated[j])
		if wi != wj {
			return wi < wj
		}
		return templated[i] < templated[j]
	})

	common, err := r.commonArgs(ctx, enabled)
	if err != nil {
		return nil, err
	}
	if slices.Contains(templated, "identity") || slices.Contains(templated, "dashboard") {
		if common.federation, err = r.federation(ctx, mspec); err != nil {
			return nil, err
		}
	}
	backend, _ := layering.Get(mspec, "features", "neutron", "backend").(string)
	graph, err := catalog.GraphFor(version, backend)
	if err != nil {
		return nil, fmt.Errorf("spec.openstack_version %q: %w", version, err)
	}
	podNetworks := in.PodNetworks
	if podNetworks == nil {
		if podNetworks, err = ParsePodNetworks(DefaultPodNetworks); err != nil {
			return nil, err
		}
	}
	seen := map[string]string{}
	for _, svc := range templated {
		data, err := r.serviceArgs(ctx, svc, mspec, common)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", svc, err)
		}
		if err := r.cephArgs(ctx, svc, mspec, in.CephKeys, data); err != nil {
			return nil, fmt.Errorf("service %s: %w", svc, err)
		}
		if svc == "metric" {
			if err := r.metricArgs(ctx, mspec, in, data); err != nil {
				return nil, fmt.Errorf("service %s: %w", svc, err)
			}
		}
		if svc == "load-balancer" {
			if err := r.loadBalancerArgs(ctx, mspec, in, data); err != nil {
				return nil, fmt.Errorf("service %s: %w", svc, err)
			}
		}
		data["spec"] = mspec
		data["images"] = images
		data["namespace"] = in.Namespace
		data["openstack_versions"] = templates.OpenStackVersions
		data["slurp_releases"] = templates.SLURPReleases
		data["enabled_services"] = enabled
		data["service_charts"] = catalog.ServiceCharts()
		data["network_policies"] = map[string]any{"ingress": graph.IngressRules(), "egress": map[string]any{}}
		data["pod_networks"] = podNetworks
		if entry, _ := catalog.Lookup(svc); entry.ReadsRendered {
			data["rendered_services"] = renderedServices(res.Services, catalog.WaveOf(svc))
		}
		rendered, err := r.Templates.Service(svc, data)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", svc, err)
		}
		s := Service{Key: svc, Wave: catalog.WaveOf(svc)}
		for _, rel := range rendered {
			layered, err := layering.LayerRelease(mspec, svc, rel)
			if err != nil {
				return nil, fmt.Errorf("service %s: %w", svc, err)
			}
			chart := layered["chart"].(string)
			name := layered["name"].(string)
			if other, dup := seen[name]; dup {
				return nil, fmt.Errorf("service %s: release %s is also rendered by service %s", svc, name, other)
			}
			seen[name] = svc
			entry, _ := catalog.Lookup(svc)
			s.Releases = append(s.Releases, Release{
				Name:      layered["name"].(string),
				Namespace: entry.ReleaseNamespace(in.Namespace),
				Group:     catalog.ChartGroup(chart),
				Chart:     chart,
				Values:    layered["values"].(map[string]any),
			})
		}
		if svc == "messaging" {
			if err := r.lmaShared(ctx, mspec, in, s); err != nil {
				return nil, fmt.Errorf("service %s: %w", svc, err)
			}
		}
		res.Services = append(res.Services, s)
	}
	return res, nil
}

// renderedServices is the rendered_services argument of a catalogue
// entry with ReadsRendered (tempest, stepler): service key → release name
// → final values (after the override layers, as they are installed) of
// every service rendered in a wave before wave. Render takes the services
// in wave order, so all of them are in done; the catalogue keeps such
// entries in the last wave, so they see every other service. The engine
// hands the template a deep copy: it cannot change another release.
func renderedServices(done []Service, wave int) map[string]any {
	out := map[string]any{}
	for _, s := range done {
		if s.Wave >= wave {
			continue
		}
		rels := map[string]any{}
		for _, rel := range s.Releases {
			rels[rel.Name] = rel.Values
		}
		out[s.Key] = rels
	}
	return out
}

// commonArgs are the template arguments every service gets, plus what the
// messaging service needs from the others.
type commonArgs struct {
	adminCreds   map[string]any
	guestCreds   map[string]any
	enabled      []string
	servicePairs map[string][2]map[string][]byte
	// federation is the identity and dashboard argument (nil: off).
	federation map[string]any
}

func (r *Renderer) commonArgs(ctx context.Context, enabled []string) (*commonArgs, error) {
	admin, err := r.Store.Pair(ctx, credentials.AdminUsers())
	if err != nil {
		return nil, fmt.Errorf("admin credentials: %w", err)
	}
	guest, err := r.Store.Secret(ctx, credentials.RabbitMQGuest())
	if err != nil {
		return nil, fmt.Errorf("RabbitMQ guest credentials: %w", err)
	}
	c := &commonArgs{
		adminCreds: credentials.DecodeAll(admin[0]), guestCreds: credentials.DecodeAll(guest),
		enabled: enabled, servicePairs: map[string][2]map[string][]byte{},
	}
	for _, svc := range enabled {
		entry, _ := catalog.Lookup(svc)
		chart, ok := entry.Chart, entry.Chart != ""
		if !ok {
			continue
		}
		pair, err := r.Store.Pair(ctx, credentials.ServicePasswords(svc, chart))
		if err != nil {
			return nil, fmt.Errorf("service %s credentials: %w", svc, err)
		}
		c.servicePairs[svc] = pair
	}
	return c, nil
}

func (r *Renderer) serviceArgs(ctx context.Context, svc string, mspec map[string]any, c *commonArgs) (map[string]any, error) {
	data := map[string]any{"admin_creds": c.adminCreds, "guest_creds": c.guestCreds}
	if pair, ok := c.servicePairs[svc]; ok {
		data["credentials"] = []any{credentials.DecodeAll(pair[0]), credentials.DecodeAll(pair[1])}
	}
	// Accounts borrowed from the other enabled services' active credentials.
	borrowed := map[string]any{}
	entry, _ := catalog.Lookup(svc)
	for _, b := range entry.Borrows {
		pair, ok := c.servicePairs[b[0]]
		if !ok {
			continue
		}
		if acc, ok := layering.Get(credentials.DecodeAll(pair[0]), "identity", b[1]).(map[string]any); ok {
			borrowed[b[1]] = acc
		}
	}
	data["keystone_creds"] = borrowed
	switch svc {
	case "database":
		galera, err := r.Store.Secret(ctx, credentials.Galera())
		if err != nil {
			return nil, err
		}
		data["galera_creds"] = credentials.DecodeAll(galera)
	case "messaging":
		// As the original: credentials of every enabled OpenStack service,
		// by service key, each [active, backup].
		creds := map[string]any{}
		for svc, pair := range c.servicePairs {
			creds[svc] = []any{credentials.DecodeAll(pair[0]), credentials.DecodeAll(pair[1])}
		}
		sl, err := r.Store.Secret(ctx, credentials.StackLight())
		if err != nil {
			return nil, fmt.Errorf("StackLight notifications user: %w", err)
		}
		creds["stacklight"] = credentials.DecodeAll(sl)
		data["credentials"] = creds
		if err := r.externalNotificationArgs(ctx, mspec, data); err != nil {
			return nil, err
		}
	case "metering":
		// With Panko (event), the events go straight to its database:
		// Ceilometer gets panko's credentials pair.
		if pair, ok := c.servicePairs["event"]; ok {
			data["event_credentials"] = []any{credentials.DecodeAll(pair[0]), credentials.DecodeAll(pair[1])}
		}
	case "redis":
		// The template names the Secret only (the operator reads it): it
		// must exist before the failover starts; its value is not passed.
		if _, err := r.Store.Secret(ctx, credentials.RedisPassword()); err != nil {
			return nil, fmt.Errorf("redis password: %w", err)
		}
	case "dns":
		pdns, err := r.Store.Secret(ctx, credentials.PowerDNS())
		if err != nil {
			return nil, fmt.Errorf("PowerDNS credentials: %w", err)
		}
		data["powerdns"] = credentials.DecodeAll(pdns)
	case "dynamic-resource-balancer":
		// Its own pair (no main chart, so not among the service pairs,
		// which also make RabbitMQ users).
		pair, err := r.Store.Pair(ctx, credentials.DRBPasswords())
		if err != nil {
			return nil, fmt.Errorf("dynamic-resource-balancer credentials: %w", err)
		}
		data["credentials"] = []any{credentials.DecodeAll(pair[0]), credentials.DecodeAll(pair[1])}
	case "identity":
		for _, spec := range credentials.KeystoneKeys() {
			if _, err := r.Store.Secret(ctx, spec); err != nil {
				return nil, err
			}
		}
		data["credentials_secret_name"] = credentials.KeystoneCredentialKey
		data["fernet_secret_name"] = credentials.KeystoneFernetData
	}
	switch svc {
	case "compute":
		if err := r.computeArgs(ctx, mspec, c, data); err != nil {
			return nil, err
		}
	case "networking":
		// The neutron server mounts the networking-generic-switch
		// devices' SSH keys (baremetal) from ngs-ssh-keys: it holds the
		// spec's keys, updated when they change.
		if keys := ngsSSHKeys(mspec); len(keys) > 0 {
			if _, err := r.Store.Secret(ctx, credentials.NGSSSHKeys(keys)); err != nil {
				return nil, fmt.Errorf("networking-generic-switch SSH keys: %w", err)
			}
		}
	case "shared-file-system":
		// The key manila logs in to its service VMs with (generated
		// once, kept).
		keys, err := r.Store.Secret(ctx, credentials.SSHKeys(credentials.SharedFileSystemSSH))
		if err != nil {
			return nil, fmt.Errorf("manila service VM SSH keys: %w", err)
		}
		data["ssh_credentials"] = credentials.DecodeAll(keys)
	}
	// Default policies (templates/policies, Engine.Policy): the rules of the
	// service's chart at the release, the strict_admin set when
	// features.policies.strict_admin.enabled; none at that release: empty.
	// The dashboard gets them per chart, as the original only for the
	// os_policy_services that are also enabled service keys (it matches
	// chart names against service keys: placement alone).
	release, _ := mspec["openstack_version"].(string)
	strictAdmin := layering.Get(mspec, "features", "policies", "strict_admin", "enabled") == true
	if svc == "dashboard" {
		policies := map[string]any{}
		for _, chart := range catalog.PolicyCharts() {
			if !slices.Contains(c.enabled, chart) {
				continue
			}
			rules, ok, err := r.Templates.Policy(release, chart, strictAdmin)
			if err != nil {
				return nil, err
			}
			if ok {
				policies[chart] = rules
			}
		}
		data["service_policy"] = policies
		data["os_policy_services"] = catalog.PolicyCharts()
	} else if entry.Policy {
		rules, _, err := r.Templates.Policy(release, entry.Chart, strictAdmin)
		if err != nil {
			return nil, err
		}
		if rules == nil {
			rules = map[string]any{}
		}
		data["service_policy"] = rules
	}
	if svc == "identity" || svc == "dashboard" {
		data["federation"] = c.federation
	}
	return data, nil
}

// ngsSSHKeys are the SSH private keys of the networking-generic-switch
// devices, switch name → key: features.neutron.baremetal.ngs.hardware
// (name → device) and the older devices list (each with its name), as the
// networking template reads them.
func ngsSSHKeys(mspec map[string]any) map[string]string {
	keys := map[string]string{}
	add := func(name string, device any) {
		d, _ := device.(map[string]any)
		if key, _ := d["ssh_private_key"].(string); name != "" && key != "" {
			keys[name] = key
		}
	}
	ngs, _ := layering.Get(mspec, "features", "neutron", "baremetal", "ngs").(map[string]any)
	hardware, _ := ngs["hardware"].(map[string]any)
	for name, d := range hardware {
		add(name, d)
	}
	devices, _ := ngs["devices"].([]any)
	for _, d := range devices {
		m, _ := d.(map[string]any)
		name, _ := m["name"].(string)
		add(name, d)
	}
	return keys
}

// federation is the federation argument; the oidc-crypto-passphrase Secret
// is only created when federation is on.
func (r *Renderer) federation(ctx context.Context, mspec map[string]any) (map[string]any, error) {
	fed, err := Federation(mspec, "")
	if err != nil || fed == nil {
		return nil, err
	}
	if oidc := fed["openid"].(map[string]any)["oidc"].(map[string]any); oidc["OIDCCryptoPassphrase"] == "" {
		// Not set by the user: the generated one.
		sec, err := r.Store.Secret(ctx, credentials.OIDCCryptoPassphrase())
		if err != nil {
			return nil, fmt.Errorf("OIDC crypto passphrase: %w", err)
		}
		oidc["OIDCCryptoPassphrase"] = string(sec["passphrase"])
	}
	return fed, nil
}

// cephArgs sets is_ceph_enabled and, when the cloud has Ceph keys, the
// `ceph` argument of a Ceph-consuming service, creating its users'
// <user>-rbd-keyring Secrets first (created once, as the original: a
// rotated key is not propagated to them, which is logged).
//
// is_ceph_enabled (the original's name) is true when Ceph keys exist and
// block storage is enabled and on Ceph (features.cinder.volume: enabled
// unless false, backend ceph by default), or the service itself stores on
// Ceph (glance rbd backends, nova ceph images, manila CephFS share backends;
// manila does not count cinder's volumes). A service that stores on Ceph while the
// keys (or its user, or the monitors) are missing is an ErrCephKeysMissing
// error: rendering it would hand the chart empty keys.
func (r *Renderer) cephArgs(ctx context.Context, svc string, mspec map[string]any, keys *ceph.Keys, data map[string]any) error {
	if keys != nil && keys.RGWInternalCACert != "" && (svc == "identity" || svc == "dashboard") &&
		slices.Contains(layering.EnabledServices(mspec), "object-storage") {
		// Their public CA bundle includes the internal RGW's CA when the
		// RGW is the cloud's object store (object-storage enabled): as the
		// original, whose final values of the 83 e2e deployments (Ceph
		// keys with an RGW CA, no object-storage) never carry it.
		data["rgw_internal_cacert"] = keys.RGWInternalCACert
	}
	if keys != nil && keys.RGWMetricsAccessKey != "" && svc == "metering" &&
		slices.Contains(layering.EnabledServices(mspec), "object-storage") {
		// Ceilometer polls the RGW's usage with the metrics user's S3
		// keys, when the RGW is the cloud's object store: as the
		// original, whose final values of the e2e corpus (keys present,
		// no object-storage) never carry rgw_admin_credentials.
		data["rgw_metrics_user_access_key"] = keys.RGWMetricsAccessKey
		data["rgw_metrics_user_secret_key"] = keys.RGWMetricsSecretKey
	}
	if svc == "object-storage" {
		return rgwArgs(keys, data)
	}
	entry, _ := catalog.Lookup(svc)
	users := entry.CephUsers
	if len(users) == 0 {
		return nil
	}
	needs, why := needsCeph(svc, mspec)
	if needs {
		if keys == nil {
			return fmt.Errorf("%w: %s", ErrCephKeysMissing, why)
		}
		if len(keys.MonEndpoints) == 0 {
			return fmt.Errorf("%w: %s, but the Secret has no mon_endpoints", ErrCephKeysMissing, why)
		}
		if _, ok := keys.Users[users[0]]; !ok {
			return fmt.Errorf("%w: %s, but the Secret has no key %q", ErrCephKeysMissing, why, users[0])
		}
	}
	// Block storage counts only when it is enabled: without cinder, nova
	// has no Ceph (the original's final values of the core presets).
	// Manila is on Ceph only through its own CephFS backends.
	cinderOnCeph := svc != "shared-file-system" && slices.Contains(layering.EnabledServices(mspec), "block-storage") && blockStorageOnCeph(mspec)
	data["is_ceph_enabled"] = keys != nil && (needs || cinderOnCeph)
	if keys == nil {
		return nil
	}
	logger := klog.FromContext(ctx)
	for _, u := range users {
		user, ok := keys.Users[u]
		if !ok {
			continue
		}
		key := user.Key
		spec := credentials.Spec{Name: ceph.KeyringSecret(u), Fields: []credentials.Field{{Key: "key", Generate: func() any { return key }, Opaque: true}}}
		got, err := r.Store.Secret(ctx, spec)
		if err != nil {
			return fmt.Errorf("Ceph keyring Secret %s: %w", spec.Name, err)
		}
		if string(got["key"]) != key && !IsPlaceholder(string(got["key"])) {
			logger.Info("Ceph key changed in the exchange Secret but the keyring Secret keeps the first one (as the original); update or delete it to propagate", "secret", spec.Name)
		}
	}
	data["ceph"] = keys.TemplateArg(users...)
	return nil
}

// rgwArgs are object-storage's arguments: the URLs of the Ceph side's
// RGW (rgw_internal, rgw_external of the exchange Secret), which it
// registers in Keystone. Without the Secret or either URL it waits
// (ErrCephKeysMissing); a URL that is not http(s)://host[:port][/path] is
// an error naming the key.
func rgwArgs(keys *ceph.Keys, data map[string]any) error {
	if keys == nil {
		return fmt.Errorf("%w: object-storage registers the Ceph RGW", ErrCephKeysMissing)
	}
	for _, u := range []struct{ key, url string }{{"rgw_internal", keys.RGWInternal}, {"rgw_external", keys.RGWExternal}} {
		if u.url == "" {
			return fmt.Errorf("%w: object-storage registers the Ceph RGW, but the Secret has no key %q", ErrCephKeysMissing, u.key)
		}
		p, err := url.Parse(u.url)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Hostname() == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
			return fmt.Errorf("Secret %s key %s: want an http(s)://host[:port][/path] URL", ceph.KeysSecret, u.key)
		}
		data[u.key] = u.url
	}
	return nil
}

// ErrCephKeysMissing: a service stores on Ceph but the exchange Secret
// openstack-ceph-keys (or what the service needs in it) is not there yet.
// Retried: the Ceph side writes it.
var ErrCephKeysMissing = errors.New("waiting for the Ceph keys (Secret openstack-ceph-keys in the Ceph shared namespace)")

// blockStorageOnCeph: features.cinder.volume is enabled unless false, and
// its backend is ceph by default.
func blockStorageOnCeph(mspec map[string]any) bool {
	if v, ok := layering.Get(mspec, "features", "cinder", "volume", "enabled").(bool); ok && !v {
		return false
	}
	b, _ := layering.Get(mspec, "features", "cinder", "volume", "backend").(string)
	return b == "" || b == "ceph"
}

// CephFSShareDriver is manila's CephFS share driver (the chart's test for
// a CephFS backend).
const CephFSShareDriver = "manila.share.drivers.cephfs.driver.CephFSDriver"

// needsCeph tells whether a service stores its own data on Ceph, and why.
func needsCeph(svc string, mspec map[string]any) (bool, string) {
	switch svc {
	case "image":
		backends, _ := layering.Get(mspec, "features", "glance", "backends").(map[string]any)
		if len(backends) == 0 {
			return true, "features.glance.backends is not set, so images go to Ceph (rbd)"
		}
		if _, rbd := backends["rbd"]; rbd {
			return true, "features.glance.backends.rbd is set"
		}
	case "compute":
		if layering.Get(mspec, "features", "nova", "images", "backend") == "ceph" {
			return true, "features.nova.images.backend is ceph"
		}
		nodes, _ := mspec["nodes"].(map[string]any)
		for _, label := range slices.Sorted(maps.Keys(nodes)) {
			if n, ok := nodes[label].(map[string]any); ok && layering.Get(n, "features", "nova", "images", "backend") == "ceph" {
				return true, fmt.Sprintf("nodes.%s.features.nova.images.backend is ceph", label)
			}
		}
	case "block-storage":
		if blockStorageOnCeph(mspec) {
			return true, "features.cinder.volume is on Ceph"
		}
	case "shared-file-system":
		backends, _ := layering.Get(mspec, "features", "manila", "share", "backends").(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(backends)) {
			be, _ := backends[name].(map[string]any)
			if enabled, ok := be["enabled"].(bool); ok && !enabled {
				continue
			}
			conf, _ := layering.Get(be, "values", "conf").(map[string]any)
			for _, section := range slices.Sorted(maps.Keys(conf)) {
				if sec, ok := conf[section].(map[string]any); ok && sec["share_driver"] == CephFSShareDriver {
					return true, fmt.Sprintf("features.manila.share.backends.%s uses the CephFS driver", name)
				}
			}
		}
	}
	return false, ""
}

// computeArgs are nova's extra arguments: the metadata proxy secret shared
// with networking, the migration SSH keys, and the libvirt and VNC TLS
// certificates when those are enabled (all generated once, kept).
func (r *Renderer) computeArgs(ctx context.Context, mspec map[string]any, c *commonArgs, data map[string]any) error {
	if pair, ok := c.servicePairs["networking"]; ok {
		data["metadata_secret"] = credentials.DecodeAll(pair[0])["metadata_secret"]
	}
	keys, err := r.Store.Secret(ctx, credentials.SSHKeys(credentials.NovaSSHSecret))
	if err != nil {
		return fmt.Errorf("nova SSH keys: %w", err)
	}
	data["ssh_credentials"] = credentials.DecodeAll(keys)
	nova, _ := layering.Get(mspec, "features", "nova").(map[string]any)
	if layering.Get(nova, "libvirt", "tls", "enabled") == true {
		ca, err := r.Store.Secret(ctx, credentials.SelfSignedCA(credentials.LibvirtServerTLS, "libvirt-server"))
		if err != nil {
			return fmt.Errorf("libvirt TLS CA: %w", err)
		}
		data["libvirt_certs"] = credentials.DecodeAll(ca)
	}
	if layering.Get(nova, "console", "novnc", "tls", "enabled") == true {
		public, _ := mspec["public_domain_name"].(string)
		internal, _ := mspec["internal_domain_name"].(string)
		pack, err := r.Store.Secret(ctx, credentials.CertificatePack(credentials.LibvirtVNCTLS, "*."+public, "*."+internal))
		if err != nil {
			return fmt.Errorf("VNC TLS certificates: %w", err)
		}
		data["libvirt_vnc_certs"] = credentials.DecodeAll(pack)
	}
	return nil
}

// ErrSharedSecretMissing: a service needs a Secret another operator or
// service writes (the Redis password, Tungsten Fabric's ost-data) and it is
// not there yet. Retried, as the original waits for them.
var ErrSharedSecretMissing = errors.New("waiting for a shared Secret")

// metricArgs are gnocchi's extra arguments: the Redis password its
// metric storage uses (the redis_url). The Secret Gather found, else,
// with redis enabled, the one the redis service generates through the
// same store (it renders in an earlier wave); otherwise a wait, as the
// original's.
func (r *Renderer) metricArgs(ctx context.Context, mspec map[string]any, in Input, data map[string]any) error {
	switch {
	case in.RedisPassword != "":
		data["redis_namespace"] = cmp.Or(in.RedisNamespace, DefaultRedisNamespace)
		data["redis_secret"] = in.RedisPassword
	case slices.Contains(layering.EnabledServices(mspec), "redis"):
		sec, err := r.Store.Secret(ctx, credentials.RedisPassword())
		if err != nil {
			return fmt.Errorf("redis password: %w", err)
		}
		data["redis_namespace"] = catalog.RedisNamespace
		data["redis_secret"] = string(sec["password"])
	default:
		return fmt.Errorf("%w: gnocchi stores its metrics in Redis, but Secret %s/%s (written by the redis service) is missing",
			ErrSharedSecretMissing, cmp.Or(in.RedisNamespace, DefaultRedisNamespace), RedisSecret)
	}
	return nil
}

// loadBalancerArgs are octavia's extra arguments, as the original's: the
// amphorae's SSH key and CA (generated once, kept), the Redis password of
// the amphorav2 jobboard while the cloud has Redis, and, with Tungsten
// Fabric, the health manager addresses the TF operator publishes.
func (r *Renderer) loadBalancerArgs(ctx context.Context, mspec map[string]any, in Input, data map[string]any) error {
	keys, err := r.Store.Secret(ctx, credentials.SSHKeys(credentials.LoadBalancerSSHSecret))
	if err != nil {
		return fmt.Errorf("amphora SSH keys: %w", err)
	}
	data["ssh_credentials"] = credentials.DecodeAll(keys)
	ca, err := r.Store.Secret(ctx, credentials.SelfSignedCA(credentials.OctaviaAmphoraCerts, credentials.OctaviaAmphoraCN))
	if err != nil {
		return fmt.Errorf("amphora CA: %w", err)
	}
	data["tls_certificates"] = credentials.DecodeAll(ca)
	if slices.Contains(layering.EnabledServices(mspec), "redis") {
		// The amphorav2 jobboard is on Redis from ussuri to zed (etcd from
		// antelope, where the original still sets the Redis endpoint): only
		// then is a missing password worth waiting for; otherwise the
		// endpoint is left out.
		version, _ := mspec["openstack_version"].(string)
		switch {
		case in.RedisPassword != "":
			data["redis_namespace"] = cmp.Or(in.RedisNamespace, DefaultRedisNamespace)
			data["redis_secret"] = in.RedisPassword
		case templates.VersionOrdinal(version) >= templates.VersionOrdinal("ussuri") && templates.VersionOrdinal(version) < templates.VersionOrdinal("antelope"):
			return fmt.Errorf("%w: redis is enabled and octavia's jobboard uses it, but Secret %s/%s (written by the redis service) is missing",
				ErrSharedSecretMissing, cmp.Or(in.RedisNamespace, DefaultRedisNamespace), RedisSecret)
		}
	}
	if layering.Get(mspec, "features", "neutron", "backend") == "tungstenfabric" {
		if in.TFData == nil {
			return fmt.Errorf("%w: the neutron backend is tungstenfabric, but Secret %s/%s (written by the Tungsten Fabric operator) is missing",
				ErrSharedSecretMissing, DefaultTFSharedNamespace, TFDataSecret)
		}
		var hms []any
		if raw := in.TFData["octavia_hm_list"]; raw != "" {
			if err := json.Unmarshal([]byte(raw), &hms); err != nil {
				return fmt.Errorf("Secret %s/%s octavia_hm_list: want a JSON list of addresses: %w", DefaultTFSharedNamespace, TFDataSecret, err)
			}
		}
		data["octavia_hm_list"] = hms
	}
	return nil
}
