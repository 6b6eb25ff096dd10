package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime"
)

// Features switches and configures the cloud's features. Members this API
// does not declare are kept (and preserved by the API server), so that an
// object written for a newer controller is not stripped.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Features struct {
	// Services are appended to the preset's services; "~<service>" removes
	// one.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.all(s, s in ['block-storage', 'cloudprober', 'compute', 'identity', 'dashboard', 'image', 'ingress', 'database', 'memcached', 'networking', 'orchestration', 'object-storage', 'messaging', 'tempest', 'load-balancer', 'dns', 'key-manager', 'placement', 'coordination', 'stepler', 'baremetal', 'redis', 'alarming', 'event', 'metering', 'metric', 'metric-storage', 'instance-ha', 'shared-file-system', 'dynamic-resource-balancer'] || (s.startsWith('~') && s.substring(1) in ['block-storage', 'cloudprober', 'compute', 'identity', 'dashboard', 'image', 'ingress', 'database', 'memcached', 'networking', 'orchestration', 'object-storage', 'messaging', 'tempest', 'load-balancer', 'dns', 'key-manager', 'placement', 'coordination', 'stepler', 'baremetal', 'redis', 'alarming', 'event', 'metering', 'metric', 'metric-storage', 'instance-ha', 'shared-file-system', 'dynamic-resource-balancer', 'app-gateway', 'descheduler']))",messageExpression="'features.services: unknown service ' + self.filter(s, !(s in ['block-storage', 'cloudprober', 'compute', 'identity', 'dashboard', 'image', 'ingress', 'database', 'memcached', 'networking', 'orchestration', 'object-storage', 'messaging', 'tempest', 'load-balancer', 'dns', 'key-manager', 'placement', 'coordination', 'stepler', 'baremetal', 'redis', 'alarming', 'event', 'metering', 'metric', 'metric-storage', 'instance-ha', 'shared-file-system', 'dynamic-resource-balancer'] || (s.startsWith('~') && s.substring(1) in ['block-storage', 'cloudprober', 'compute', 'identity', 'dashboard', 'image', 'ingress', 'database', 'memcached', 'networking', 'orchestration', 'object-storage', 'messaging', 'tempest', 'load-balancer', 'dns', 'key-manager', 'placement', 'coordination', 'stepler', 'baremetal', 'redis', 'alarming', 'event', 'metering', 'metric', 'metric-storage', 'instance-ha', 'shared-file-system', 'dynamic-resource-balancer', 'app-gateway', 'descheduler'])))[0] + '; use a known service key or ~<service key> to remove a preset service'"
	Services []string `json:"services,omitempty"`
	// +optional
	NetworkPolicies *Toggle `json:"network_policies,omitempty"`
	// Policies: strict_admin plus per-chart policy overrides
	// (policies.<chart>), rendered into conf.policy.d.
	// +optional
	Policies *Policies `json:"policies,omitempty"`
	// +optional
	SSL     *SSL     `json:"ssl,omitempty"`
	Neutron *Neutron `json:"neutron"`
	Nova    *Nova    `json:"nova"`
	// +optional
	Glance *Glance `json:"glance,omitempty"`
	// +optional
	Cinder *Cinder `json:"cinder,omitempty"`
	// +optional
	Manila *Manila `json:"manila,omitempty"`
	// +optional
	Database *Database `json:"database,omitempty"`
	// +optional
	Keystone *Keystone `json:"keystone,omitempty"`
	// +optional
	Messaging *Messaging `json:"messaging,omitempty"`
	// +optional
	Ironic *Ironic `json:"ironic,omitempty"`
	// +optional
	Octavia *Octavia `json:"octavia,omitempty"`
	// +optional
	Designate *Designate `json:"designate,omitempty"`
	// +optional
	Barbican *Barbican `json:"barbican,omitempty"`
	// +optional
	Horizon *Horizon `json:"horizon,omitempty"`
	// +optional
	Masakari *Masakari `json:"masakari,omitempty"`
	// +optional
	Stacklight *Toggle `json:"stacklight,omitempty"`
	// +optional
	Cloudprober *Cloudprober `json:"cloudprober,omitempty"`
	// +optional
	Telemetry *Telemetry `json:"telemetry,omitempty"`
	// Logging: cadf plus per-chart levels (logging.<chart>.level).
	// +optional
	Logging *Logging `json:"logging,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Toggle is an object with an enabled switch.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Toggle struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// IsEnabled reports whether t is set and enabled; def is returned when
// t or its enabled member is unset.
func (t *Toggle) IsEnabled(def bool) bool {
	if t == nil || t.Enabled == nil {
		return def
	}
	return *t.Enabled
}

// Policies holds strict_admin and, as unknown members, per-chart policies.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Policies struct {
	// +optional
	StrictAdmin *Toggle `json:"strict_admin,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// SecretValue is a string given inline or as a reference to a key of a
// Secret labelled openstack.lcm.mirantis.com/osdpl_secret=true in the
// OpenStackDeployment's namespace:
//
//	api_key: {value_from: {secret_key_ref: {name: my-tls, key: api_key}}}
type SecretValue struct {
	Value     string     `json:"-"`
	ValueFrom *ValueFrom `json:"value_from,omitempty"`
}

// ValueFrom names the source of a SecretValue.
type ValueFrom struct {
	// +optional
	SecretKeyRef *SecretKeyRef `json:"secret_key_ref,omitempty"`
}

// SecretKeyRef names a key of a Secret.
type SecretKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// SSL configures TLS.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SSL struct {
	// +optional
	PublicEndpoints *PublicEndpoints `json:"public_endpoints,omitempty"`
	// +optional
	TLSProxy *Toggle `json:"tls_proxy,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// PublicEndpoints holds the certificate of the public API endpoints.
//
// +kubebuilder:pruning:PreserveUnknownFields
type PublicEndpoints struct {
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	CACert *SecretValue `json:"ca_cert,omitempty"`
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	APICert *SecretValue `json:"api_cert,omitempty"`
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	APIKey *SecretValue `json:"api_key,omitempty"`
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Neutron configures networking.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Neutron struct {
	// +kubebuilder:validation:MinLength=1
	TunnelInterface string `json:"tunnel_interface"`
	// +optional
	// +kubebuilder:validation:Enum=ml2;ml2/ovn;tungstenfabric
	Backend string `json:"backend,omitempty"`
	// +optional
	DNSServers []string `json:"dns_servers,omitempty"`
	// +optional
	DVR *Toggle `json:"dvr,omitempty"`
	// +optional
	// +kubebuilder:validation:items:Enum=flat;vlan;vxlan;geneve
	TenantNetworkTypes []string `json:"tenant_network_types,omitempty"`
	// +optional
	ExternalNetworks []ExternalNetwork `json:"external_networks,omitempty"`
	// +optional
	FloatingNetwork *FloatingNetwork `json:"floating_network,omitempty"`
	// +optional
	Extensions *NeutronExtensions `json:"extensions,omitempty"`
	// +optional
	Baremetal *NeutronBaremetal `json:"baremetal,omitempty"`
	// +optional
	BGPVPN *BGPVPN `json:"bgpvpn,omitempty"`
	// +optional
	IPSec *Toggle `json:"ipsec,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// ExternalNetwork is a provider network attached to a bridge.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ExternalNetwork struct {
	Physnet string `json:"physnet"`
	Bridge  string `json:"bridge"`
	// +kubebuilder:validation:items:Enum=flat;vlan;vxlan;gre;local
	NetworkTypes []string `json:"network_types"`
	// +optional
	Interface string `json:"interface,omitempty"`
	// +optional
	// +nullable
	VLANRanges *string `json:"vlan_ranges,omitempty"`
	// +optional
	// +nullable
	MTU *int64 `json:"mtu,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// FloatingNetwork is the public network created for floating IPs.
//
// +kubebuilder:pruning:PreserveUnknownFields
type FloatingNetwork struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Name string `json:"name,omitempty"`
	// +optional
	Physnet string `json:"physnet,omitempty"`
	// +optional
	// +kubebuilder:validation:Enum=flat;vlan
	NetworkType string `json:"network_type,omitempty"`
	// +optional
	SegmentationID *int64 `json:"segmentation_id,omitempty"`
	// +optional
	Subnet *FloatingSubnet `json:"subnet,omitempty"`
	// +optional
	Router *NamedObject `json:"router,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// FloatingSubnet is the subnet of the floating network.
//
// +kubebuilder:pruning:PreserveUnknownFields
type FloatingSubnet struct {
	// +optional
	Name      string        `json:"name,omitempty"`
	Range     string        `json:"range"`
	PoolStart string        `json:"pool_start"`
	PoolEnd   string        `json:"pool_end"`
	Gateway   string        `json:"gateway"`
	Unknown   UnknownFields `json:"-"`
}

// NamedObject is an object with a name.
//
// +kubebuilder:pruning:PreserveUnknownFields
type NamedObject struct {
	// +optional
	Name string `json:"name,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// NeutronExtensions switches neutron extensions.
//
// +kubebuilder:pruning:PreserveUnknownFields
type NeutronExtensions struct {
	// +optional
	VPNaaS *Toggle `json:"vpnaas,omitempty"`
	// +optional
	DynamicRouting *Toggle `json:"dynamic_routing,omitempty"`
	// +optional
	Portprober *Toggle `json:"portprober,omitempty"`
	// +optional
	Trunk *Toggle `json:"trunk,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// NeutronBaremetal configures networking-generic-switch.
//
// +kubebuilder:pruning:PreserveUnknownFields
type NeutronBaremetal struct {
	// +optional
	NGS *NGS `json:"ngs,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// NGS holds the switches of networking-generic-switch (free-form, secret
// references allowed).
//
// +kubebuilder:pruning:PreserveUnknownFields
type NGS struct {
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Hardware *runtime.RawExtension `json:"hardware,omitempty"`
	// +optional
	Devices []runtime.RawExtension `json:"devices,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// BGPVPN configures BGP VPN.
//
// +kubebuilder:pruning:PreserveUnknownFields
type BGPVPN struct {
	Enabled  bool  `json:"enabled"`
	ASNumber int64 `json:"as_number"`
	// +optional
	ControlInterface string `json:"control_interface,omitempty"`
	// +optional
	DataplaneInterface string `json:"dataplane_interface,omitempty"`
	// +optional
	Peers []string `json:"peers,omitempty"`
	// +optional
	EVPNVXLANPort *int64 `json:"evpn_vxlan_port,omitempty"`
	// +optional
	RouteReflector *RouteReflector `json:"route_reflector,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// RouteReflector configures the BGP route reflector.
//
// +kubebuilder:pruning:PreserveUnknownFields
type RouteReflector struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	NeighborSubnets []string `json:"neighbor_subnets,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Nova configures compute.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Nova struct {
	// +kubebuilder:validation:MinLength=1
	LiveMigrationInterface string `json:"live_migration_interface"`
	// +optional
	AllocationRatios *AllocationRatios `json:"allocation_ratios,omitempty"`
	// +optional
	Libvirt *Libvirt `json:"libvirt,omitempty"`
	// +optional
	VCPUType string `json:"vcpu_type,omitempty"`
	// +optional
	Console *Console `json:"console,omitempty"`
	// +optional
	Images *NovaImages `json:"images,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// AllocationRatios are the placement allocation ratios.
//
// +kubebuilder:pruning:PreserveUnknownFields
type AllocationRatios struct {
	// +optional
	CPU *float64 `json:"cpu,omitempty"`
	// +optional
	Disk *float64 `json:"disk,omitempty"`
	// +optional
	RAM *float64 `json:"ram,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Libvirt configures libvirt.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Libvirt struct {
	// +optional
	TLS *Toggle `json:"tls,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Console configures the instance consoles.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Console struct {
	// +optional
	Spice *Toggle `json:"spice,omitempty"`
	// +optional
	NoVNC *NoVNC `json:"novnc,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// NoVNC configures the noVNC console.
//
// +kubebuilder:pruning:PreserveUnknownFields
type NoVNC struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	TLS *Toggle `json:"tls,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// NovaImages configures the ephemeral disk backend.
//
// +kubebuilder:pruning:PreserveUnknownFields
type NovaImages struct {
	// +optional
	// +kubebuilder:validation:Enum=local;qcow2;ceph;lvm;raw
	Backend string `json:"backend,omitempty"`
	// +optional
	Encryption *ImageEncryption `json:"encryption,omitempty"`
	// +optional
	LVM *LVM `json:"lvm,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// ImageEncryption configures ephemeral disk encryption.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ImageEncryption struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Cipher string `json:"cipher,omitempty"`
	// +optional
	KeySize *int64 `json:"key_size,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// LVM names the LVM volume group of the lvm backend.
//
// +kubebuilder:pruning:PreserveUnknownFields
type LVM struct {
	// +optional
	VolumeGroup string `json:"volume_group,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Glance configures the image service.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Glance struct {
	// +optional
	Backends *GlanceBackends `json:"backends,omitempty"`
	// +optional
	Signature *GlanceSignature `json:"signature,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// GlanceBackends maps backend names to their configuration, per type.
//
// +kubebuilder:pruning:PreserveUnknownFields
type GlanceBackends struct {
	// +optional
	Cinder map[string]GlanceBackend `json:"cinder,omitempty"`
	// +optional
	RBD map[string]GlanceBackend `json:"rbd,omitempty"`
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(k, has(self[k].pvc))",message="features.glance.backends.file.<name>.pvc is required"
	File map[string]GlanceBackend `json:"file,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// GlanceBackend is one glance store.
//
// +kubebuilder:pruning:PreserveUnknownFields
type GlanceBackend struct {
	// +optional
	Default *bool `json:"default,omitempty"`
	// +optional
	PVC *PVC `json:"pvc,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// PVC sizes a persistent volume claim.
//
// +kubebuilder:pruning:PreserveUnknownFields
type PVC struct {
	// +optional
	Size string `json:"size,omitempty"`
	// +optional
	StorageClassName string `json:"storage_class_name,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// GlanceSignature configures image signature verification.
//
// +kubebuilder:pruning:PreserveUnknownFields
type GlanceSignature struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	CertificateValidation *bool `json:"certificate_validation,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Cinder configures block storage.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Cinder struct {
	// +optional
	Volume *CinderVolume `json:"volume,omitempty"`
	// +optional
	Backup *CinderBackup `json:"backup,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// CinderVolume configures cinder-volume.
//
// +kubebuilder:pruning:PreserveUnknownFields
type CinderVolume struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Backends map[string]VolumeBackend `json:"backends,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// VolumeBackend is an extra volume or share backend, deployed as its own
// StatefulSet.
//
// +kubebuilder:pruning:PreserveUnknownFields
type VolumeBackend struct {
	// +kubebuilder:validation:Enum=statefulset
	Type string `json:"type"`
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Values *runtime.RawExtension `json:"values"`
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	CreateVolumeType *bool `json:"create_volume_type,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// CinderBackup configures cinder-backup.
//
// +kubebuilder:pruning:PreserveUnknownFields
type CinderBackup struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Drivers map[string]BackupDriver `json:"drivers,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// BackupDriver is a cinder-backup driver (its parameters are kept as
// unknown members).
//
// +kubebuilder:pruning:PreserveUnknownFields
type BackupDriver struct {
	// +kubebuilder:validation:Enum=s3;nfs
	Type string `json:"type"`
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Manila configures shared file systems.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Manila struct {
	// +optional
	Share *ManilaShare `json:"share,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// ManilaShare holds the share backends.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ManilaShare struct {
	// +optional
	Backends map[string]VolumeBackend `json:"backends,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Database configures the database cleanup and backup jobs.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Database struct {
	// +optional
	Cleanup map[string]DatabaseCleanup `json:"cleanup,omitempty"`
	// +optional
	Backup *DatabaseBackup `json:"backup,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// DatabaseCleanup configures the periodic purge of deleted rows of a
// service.
//
// +kubebuilder:pruning:PreserveUnknownFields
type DatabaseCleanup struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Schedule string `json:"schedule,omitempty"`
	// +optional
	Age *int64 `json:"age,omitempty"`
	// +optional
	Batch *int64 `json:"batch,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// DatabaseBackup configures the mariadb backup.
//
// +kubebuilder:pruning:PreserveUnknownFields
type DatabaseBackup struct {
	Enabled bool `json:"enabled"`
	// +optional
	ScheduleTime string `json:"schedule_time,omitempty"`
	// +optional
	// +kubebuilder:validation:Enum=incremental;full
	BackupType string `json:"backup_type,omitempty"`
	// +optional
	BackupsToKeep *int64 `json:"backups_to_keep,omitempty"`
	// +optional
	FullBackupCycle *int64 `json:"full_backup_cycle,omitempty"`
	// +optional
	// +kubebuilder:validation:Enum=pvc;pv_nfs;hostpath
	Backend string `json:"backend,omitempty"`
	// +optional
	PVNFS *NFS `json:"pv_nfs,omitempty"`
	// +optional
	SyncRemote *SyncRemote `json:"sync_remote,omitempty"`
	// +optional
	Encryption *Toggle `json:"encryption,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// NFS names an NFS export.
//
// +kubebuilder:pruning:PreserveUnknownFields
type NFS struct {
	// +optional
	Server string `json:"server,omitempty"`
	// +optional
	Path string `json:"path,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// SyncRemote configures copying backups to remotes.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncRemote struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Remotes *runtime.RawExtension `json:"remotes,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Keystone configures identity.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Keystone struct {
	// +optional
	Users *KeystoneUsers `json:"users,omitempty"`
	// +optional
	Federation *Federation `json:"federation,omitempty"`
	// +optional
	Keycloak *Keycloak `json:"keycloak,omitempty"`
	// +optional
	DomainSpecificConfiguration *DomainSpecificConfiguration `json:"domain_specific_configuration,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// KeystoneUsers configures the built-in users.
//
// +kubebuilder:pruning:PreserveUnknownFields
type KeystoneUsers struct {
	// +optional
	Admin *KeystoneAdmin `json:"admin,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// KeystoneAdmin configures the admin user's scope.
//
// +kubebuilder:pruning:PreserveUnknownFields
type KeystoneAdmin struct {
	// +optional
	ProjectName string `json:"project_name,omitempty"`
	// +optional
	UserDomainName string `json:"user_domain_name,omitempty"`
	// +optional
	ProjectDomainName string `json:"project_domain_name,omitempty"`
	// +optional
	DefaultDomainID string `json:"default_domain_id,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Federation configures identity federation.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Federation struct {
	// +optional
	OpenID *OpenID `json:"openid,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// OpenID configures OpenID Connect federation.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OpenID struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	// +kubebuilder:validation:Enum=oauth20;oauth2
	OIDCAuthType string `json:"oidc_auth_type,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	OIDC *runtime.RawExtension `json:"oidc,omitempty"`
	// +optional
	Providers map[string]OIDCProvider `json:"providers,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// OIDCProvider is one identity provider.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OIDCProvider struct {
	Issuer      string `json:"issuer"`
	Description string `json:"description"`
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Mapping []runtime.RawExtension `json:"mapping,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	OAuth2 *runtime.RawExtension `json:"oauth2,omitempty"`
	// +optional
	OIDCCA string `json:"oidc_ca,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Metadata *runtime.RawExtension `json:"metadata,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Keycloak is the legacy keycloak federation.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Keycloak struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	URL string `json:"url,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	OIDC *runtime.RawExtension `json:"oidc,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// DomainSpecificConfiguration configures per-domain identity backends.
//
// +kubebuilder:pruning:PreserveUnknownFields
type DomainSpecificConfiguration struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	KSDomains *runtime.RawExtension `json:"ks_domains,omitempty"`
	// +optional
	Domains []runtime.RawExtension `json:"domains,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Messaging configures RabbitMQ.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Messaging struct {
	// ComponentsWithDedicatedMessaging get their own RabbitMQ release.
	// +optional
	// +kubebuilder:validation:items:Enum=compute;networking
	ComponentsWithDedicatedMessaging []string `json:"components_with_dedicated_messaging,omitempty"`
	// +optional
	Notifications *Notifications `json:"notifications,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Notifications configures notifications.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Notifications struct {
	// +optional
	External *ExternalNotifications `json:"external,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// ExternalNotifications publishes notifications to external consumers.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ExternalNotifications struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	Topics []string `json:"topics,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Ironic configures bare metal.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Ironic struct {
	ProvisioningInterface string `json:"provisioning_interface"`
	BaremetalNetworkName  string `json:"baremetal_network_name"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Networks *runtime.RawExtension `json:"networks,omitempty"`
	// +optional
	AgentImages *AgentImages `json:"agent_images,omitempty"`
	// +optional
	Console *IronicConsole `json:"console,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// AgentImages locates the ironic-python-agent images.
//
// +kubebuilder:pruning:PreserveUnknownFields
type AgentImages struct {
	// +optional
	BaseURL string `json:"base_url,omitempty"`
	// +optional
	Initramfs string `json:"initramfs,omitempty"`
	// +optional
	Kernel string `json:"kernel,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// IronicConsole configures the bare metal console.
//
// +kubebuilder:pruning:PreserveUnknownFields
type IronicConsole struct {
	// +optional
	Serial *Toggle `json:"serial,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Octavia configures load balancing.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Octavia struct {
	// +optional
	// +kubebuilder:validation:Enum=amphorav2;ovn;tungstenfabric
	DefaultProvider string `json:"default_provider,omitempty"`
	// +optional
	LBNetwork *LBNetwork `json:"lb_network,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// LBNetwork is the load-balancer management network.
//
// +kubebuilder:pruning:PreserveUnknownFields
type LBNetwork struct {
	// +optional
	Name string `json:"name,omitempty"`
	// +optional
	Subnets []runtime.RawExtension `json:"subnets,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Designate configures DNS.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Designate struct {
	// +optional
	Backend *DesignateBackend `json:"backend,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// DesignateBackend is the DNS backend.
//
// +kubebuilder:pruning:PreserveUnknownFields
type DesignateBackend struct {
	Type string `json:"type"`
	// +kubebuilder:validation:Enum=udp;tcp;tcp+udp
	Protocol string `json:"protocol"`
	// +optional
	ExternalIP string `json:"external_ip,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Barbican configures the key manager.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Barbican struct {
	// +optional
	Backends *BarbicanBackends `json:"backends,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// BarbicanBackends holds the secret stores.
//
// +kubebuilder:pruning:PreserveUnknownFields
type BarbicanBackends struct {
	// +optional
	Vault *Vault `json:"vault,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Vault is the HashiCorp Vault secret store.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Vault struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	ApproleRoleID *SecretValue `json:"approle_role_id,omitempty"`
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	ApproleSecretID *SecretValue `json:"approle_secret_id,omitempty"`
	// +optional
	VaultURL string `json:"vault_url,omitempty"`
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// +optional
	KVMountpoint string `json:"kv_mountpoint,omitempty"`
	// +optional
	UseSSL *bool `json:"use_ssl,omitempty"`
	// +optional
	SSLCACrtFile string `json:"ssl_ca_crt_file,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Horizon configures the dashboard.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Horizon struct {
	// +optional
	DefaultTheme string `json:"default_theme,omitempty"`
	// +optional
	Themes []runtime.RawExtension `json:"themes,omitempty"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	MOTD *runtime.RawExtension `json:"motd,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Masakari configures instance HA.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Masakari struct {
	// +optional
	Monitors *MasakariMonitors `json:"monitors,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// MasakariMonitors configures the masakari monitors.
//
// +kubebuilder:pruning:PreserveUnknownFields
type MasakariMonitors struct {
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Introspective *runtime.RawExtension `json:"introspective,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Cloudprober configures the cloudprober discovery.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Cloudprober struct {
	// +optional
	Discovery *CloudproberDiscovery `json:"discovery,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// CloudproberDiscovery sets the discovery interval.
//
// +kubebuilder:pruning:PreserveUnknownFields
type CloudproberDiscovery struct {
	// +optional
	Interval *int64 `json:"interval,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Telemetry configures telemetry.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Telemetry struct {
	// +optional
	Mode string `json:"mode,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Logging holds cadf and, as unknown members, per-chart log levels
// (logging.<chart>.level).
//
// +kubebuilder:pruning:PreserveUnknownFields
type Logging struct {
	// +optional
	CADF *CADF `json:"cadf,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// CADF configures CADF audit notifications.
//
// +kubebuilder:pruning:PreserveUnknownFields
type CADF struct {
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// +optional
	// +kubebuilder:validation:Enum=messagingv2;log
	Driver string `json:"driver,omitempty"`

	Unknown UnknownFields `json:"-"`
}
