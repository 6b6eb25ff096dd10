package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// OpenStackDeployment describes one OpenStack cloud. The controller turns it
// into Helm values and keeps the openstack-helm releases in step with it.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=openstackdeployments,singular=openstackdeployment,shortName=osdpl,categories=all,scope=Namespaced
// +kubebuilder:printcolumn:name="OpenStack",type=string,JSONPath=`.spec.openstack_version`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Draft",type=boolean,JSONPath=`.spec.draft`
type OpenStackDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec OpenStackDeploymentSpec `json:"spec"`
	// +optional
	Status DeploymentStatus `json:"status,omitempty"`
}

// OpenStackDeploymentList is a list of OpenStackDeployments.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type OpenStackDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []OpenStackDeployment `json:"items"`
}

// OpenStackVersion is an OpenStack release name.
//
// +kubebuilder:validation:Enum=queens;rocky;stein;train;ussuri;victoria;wallaby;xena;yoga;antelope;caracal;epoxy;gazpacho
// +kubebuilder:validation:MaxLength=16
type OpenStackVersion string

// Preset names a preset of services and defaults.
//
// +kubebuilder:validation:Enum=compute;compute-tf;core
type Preset string

// Size names a size profile (replicas, resources, timeouts).
//
// +kubebuilder:validation:Enum=single;tiny;small;medium
type Size string

// The spec-level rules are kept out of the doc comment below, so that
// gofmt does not rewrite their CEL string literals. The first refuses a
// service its release does not support (pkg/catalog Since/Until; the test
// TestServiceReleaseGatesAsTheCatalogue keeps the two equal).
//
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !has(self.features.services) || !('instance-ha' in self.features.services) || {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self.openstack_version] >= 6",messageExpression="'spec.features.services: instance-ha not supported by openstack_version ' + self.openstack_version + ' (needs victoria or later)'"
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !has(self.features.services) || !('shared-file-system' in self.features.services) || {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self.openstack_version] >= 9",messageExpression="'spec.features.services: shared-file-system not supported by openstack_version ' + self.openstack_version + ' (needs yoga or later)'"
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !has(self.features.services) || !('metric-storage' in self.features.services) || {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self.openstack_version] >= 17",messageExpression="'spec.features.services: metric-storage not supported by openstack_version ' + self.openstack_version + ' (needs gazpacho or later)'"
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !has(self.features.services) || !('placement' in self.features.services) || {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self.openstack_version] >= 3",messageExpression="'spec.features.services: placement not supported by openstack_version ' + self.openstack_version + ' (needs stein or later)'"
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !has(self.features.services) || !('metric' in self.features.services) || {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self.openstack_version] <= 15",messageExpression="'spec.features.services: metric not supported by openstack_version ' + self.openstack_version + ' (needs epoxy or earlier)'"
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !has(self.features.services) || !('event' in self.features.services) || {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self.openstack_version] <= 7",messageExpression="'spec.features.services: event not supported by openstack_version ' + self.openstack_version + ' (needs wallaby or earlier)'"
//
// +kubebuilder:validation:XValidation:rule="self.openstack_version == oldSelf.openstack_version || !((self.preset != oldSelf.preset) || (self.size != oldSelf.size) || (self.public_domain_name != oldSelf.public_domain_name) || (has(self.draft) != has(oldSelf.draft) || (has(self.draft) && self.draft != oldSelf.draft)) || (has(self.internal_domain_name) != has(oldSelf.internal_domain_name) || (has(self.internal_domain_name) && self.internal_domain_name != oldSelf.internal_domain_name)) || (has(self.region_name) != has(oldSelf.region_name) || (has(self.region_name) && self.region_name != oldSelf.region_name)) || (has(self.local_volume_storage_class) != has(oldSelf.local_volume_storage_class) || (has(self.local_volume_storage_class) && self.local_volume_storage_class != oldSelf.local_volume_storage_class)) || (has(self.persistent_volume_storage_class) != has(oldSelf.persistent_volume_storage_class) || (has(self.persistent_volume_storage_class) && self.persistent_volume_storage_class != oldSelf.persistent_volume_storage_class)) || (has(self.artifacts) != has(oldSelf.artifacts) || (has(self.artifacts) && self.artifacts != oldSelf.artifacts)) || (has(self.common) != has(oldSelf.common) || (has(self.common) && self.common != oldSelf.common)) || (has(self.services) != has(oldSelf.services) || (has(self.services) && self.services != oldSelf.services)) || (has(self.nodes) != has(oldSelf.nodes) || (has(self.nodes) && self.nodes != oldSelf.nodes)) || (has(self.migration) != has(oldSelf.migration) || (has(self.migration) && self.migration != oldSelf.migration)) || (has(self.timeouts) != has(oldSelf.timeouts) || (has(self.timeouts) && self.timeouts != oldSelf.timeouts)) || ((has(self.features) && has(self.features.network_policies)) != (has(oldSelf.features) && has(oldSelf.features.network_policies)) || (has(self.features) && has(self.features.network_policies) && self.features.network_policies != oldSelf.features.network_policies)) || ((has(self.features) && has(self.features.policies)) != (has(oldSelf.features) && has(oldSelf.features.policies)) || (has(self.features) && has(self.features.policies) && self.features.policies != oldSelf.features.policies)) || ((has(self.features) && has(self.features.ssl)) != (has(oldSelf.features) && has(oldSelf.features.ssl)) || (has(self.features) && has(self.features.ssl) && self.features.ssl != oldSelf.features.ssl)) || ((has(self.features) && has(self.features.neutron)) != (has(oldSelf.features) && has(oldSelf.features.neutron)) || (has(self.features) && has(self.features.neutron) && self.features.neutron != oldSelf.features.neutron)) || ((has(self.features) && has(self.features.nova)) != (has(oldSelf.features) && has(oldSelf.features.nova)) || (has(self.features) && has(self.features.nova) && self.features.nova != oldSelf.features.nova)) || ((has(self.features) && has(self.features.glance)) != (has(oldSelf.features) && has(oldSelf.features.glance)) || (has(self.features) && has(self.features.glance) && self.features.glance != oldSelf.features.glance)) || ((has(self.features) && has(self.features.cinder)) != (has(oldSelf.features) && has(oldSelf.features.cinder)) || (has(self.features) && has(self.features.cinder) && self.features.cinder != oldSelf.features.cinder)) || ((has(self.features) && has(self.features.manila)) != (has(oldSelf.features) && has(oldSelf.features.manila)) || (has(self.features) && has(self.features.manila) && self.features.manila != oldSelf.features.manila)) || ((has(self.features) && has(self.features.database)) != (has(oldSelf.features) && has(oldSelf.features.database)) || (has(self.features) && has(self.features.database) && self.features.database != oldSelf.features.database)) || ((has(self.features) && has(self.features.keystone)) != (has(oldSelf.features) && has(oldSelf.features.keystone)) || (has(self.features) && has(self.features.keystone) && self.features.keystone != oldSelf.features.keystone)) || ((has(self.features) && has(self.features.messaging)) != (has(oldSelf.features) && has(oldSelf.features.messaging)) || (has(self.features) && has(self.features.messaging) && self.features.messaging != oldSelf.features.messaging)) || ((has(self.features) && has(self.features.ironic)) != (has(oldSelf.features) && has(oldSelf.features.ironic)) || (has(self.features) && has(self.features.ironic) && self.features.ironic != oldSelf.features.ironic)) || ((has(self.features) && has(self.features.octavia)) != (has(oldSelf.features) && has(oldSelf.features.octavia)) || (has(self.features) && has(self.features.octavia) && self.features.octavia != oldSelf.features.octavia)) || ((has(self.features) && has(self.features.designate)) != (has(oldSelf.features) && has(oldSelf.features.designate)) || (has(self.features) && has(self.features.designate) && self.features.designate != oldSelf.features.designate)) || ((has(self.features) && has(self.features.barbican)) != (has(oldSelf.features) && has(oldSelf.features.barbican)) || (has(self.features) && has(self.features.barbican) && self.features.barbican != oldSelf.features.barbican)) || ((has(self.features) && has(self.features.horizon)) != (has(oldSelf.features) && has(oldSelf.features.horizon)) || (has(self.features) && has(self.features.horizon) && self.features.horizon != oldSelf.features.horizon)) || ((has(self.features) && has(self.features.masakari)) != (has(oldSelf.features) && has(oldSelf.features.masakari)) || (has(self.features) && has(self.features.masakari) && self.features.masakari != oldSelf.features.masakari)) || ((has(self.features) && has(self.features.stacklight)) != (has(oldSelf.features) && has(oldSelf.features.stacklight)) || (has(self.features) && has(self.features.stacklight) && self.features.stacklight != oldSelf.features.stacklight)) || ((has(self.features) && has(self.features.cloudprober)) != (has(oldSelf.features) && has(oldSelf.features.cloudprober)) || (has(self.features) && has(self.features.cloudprober) && self.features.cloudprober != oldSelf.features.cloudprober)) || ((has(self.features) && has(self.features.telemetry)) != (has(oldSelf.features) && has(oldSelf.features.telemetry)) || (has(self.features) && has(self.features.telemetry) && self.features.telemetry != oldSelf.features.telemetry)) || ((has(self.features) && has(self.features.logging)) != (has(oldSelf.features) && has(oldSelf.features.logging)) || (has(self.features) && has(self.features.logging) && self.features.logging != oldSelf.features.logging)))",messageExpression="'while spec.openstack_version changes from ' + oldSelf.openstack_version + ' to ' + self.openstack_version + ' nothing else in spec may change except features.services; changed:' + (self.preset != oldSelf.preset ? ' preset' : '') + (self.size != oldSelf.size ? ' size' : '') + (self.public_domain_name != oldSelf.public_domain_name ? ' public_domain_name' : '') + (has(self.draft) != has(oldSelf.draft) || (has(self.draft) && self.draft != oldSelf.draft) ? ' draft' : '') + (has(self.internal_domain_name) != has(oldSelf.internal_domain_name) || (has(self.internal_domain_name) && self.internal_domain_name != oldSelf.internal_domain_name) ? ' internal_domain_name' : '') + (has(self.region_name) != has(oldSelf.region_name) || (has(self.region_name) && self.region_name != oldSelf.region_name) ? ' region_name' : '') + (has(self.local_volume_storage_class) != has(oldSelf.local_volume_storage_class) || (has(self.local_volume_storage_class) && self.local_volume_storage_class != oldSelf.local_volume_storage_class) ? ' local_volume_storage_class' : '') + (has(self.persistent_volume_storage_class) != has(oldSelf.persistent_volume_storage_class) || (has(self.persistent_volume_storage_class) && self.persistent_volume_storage_class != oldSelf.persistent_volume_storage_class) ? ' persistent_volume_storage_class' : '') + (has(self.artifacts) != has(oldSelf.artifacts) || (has(self.artifacts) && self.artifacts != oldSelf.artifacts) ? ' artifacts' : '') + (has(self.common) != has(oldSelf.common) || (has(self.common) && self.common != oldSelf.common) ? ' common' : '') + (has(self.services) != has(oldSelf.services) || (has(self.services) && self.services != oldSelf.services) ? ' services' : '') + (has(self.nodes) != has(oldSelf.nodes) || (has(self.nodes) && self.nodes != oldSelf.nodes) ? ' nodes' : '') + (has(self.migration) != has(oldSelf.migration) || (has(self.migration) && self.migration != oldSelf.migration) ? ' migration' : '') + (has(self.timeouts) != has(oldSelf.timeouts) || (has(self.timeouts) && self.timeouts != oldSelf.timeouts) ? ' timeouts' : '') + ((has(self.features) && has(self.features.network_policies)) != (has(oldSelf.features) && has(oldSelf.features.network_policies)) || (has(self.features) && has(self.features.network_policies) && self.features.network_policies != oldSelf.features.network_policies) ? ' features.network_policies' : '') + ((has(self.features) && has(self.features.policies)) != (has(oldSelf.features) && has(oldSelf.features.policies)) || (has(self.features) && has(self.features.policies) && self.features.policies != oldSelf.features.policies) ? ' features.policies' : '') + ((has(self.features) && has(self.features.ssl)) != (has(oldSelf.features) && has(oldSelf.features.ssl)) || (has(self.features) && has(self.features.ssl) && self.features.ssl != oldSelf.features.ssl) ? ' features.ssl' : '') + ((has(self.features) && has(self.features.neutron)) != (has(oldSelf.features) && has(oldSelf.features.neutron)) || (has(self.features) && has(self.features.neutron) && self.features.neutron != oldSelf.features.neutron) ? ' features.neutron' : '') + ((has(self.features) && has(self.features.nova)) != (has(oldSelf.features) && has(oldSelf.features.nova)) || (has(self.features) && has(self.features.nova) && self.features.nova != oldSelf.features.nova) ? ' features.nova' : '') + ((has(self.features) && has(self.features.glance)) != (has(oldSelf.features) && has(oldSelf.features.glance)) || (has(self.features) && has(self.features.glance) && self.features.glance != oldSelf.features.glance) ? ' features.glance' : '') + ((has(self.features) && has(self.features.cinder)) != (has(oldSelf.features) && has(oldSelf.features.cinder)) || (has(self.features) && has(self.features.cinder) && self.features.cinder != oldSelf.features.cinder) ? ' features.cinder' : '') + ((has(self.features) && has(self.features.manila)) != (has(oldSelf.features) && has(oldSelf.features.manila)) || (has(self.features) && has(self.features.manila) && self.features.manila != oldSelf.features.manila) ? ' features.manila' : '') + ((has(self.features) && has(self.features.database)) != (has(oldSelf.features) && has(oldSelf.features.database)) || (has(self.features) && has(self.features.database) && self.features.database != oldSelf.features.database) ? ' features.database' : '') + ((has(self.features) && has(self.features.keystone)) != (has(oldSelf.features) && has(oldSelf.features.keystone)) || (has(self.features) && has(self.features.keystone) && self.features.keystone != oldSelf.features.keystone) ? ' features.keystone' : '') + ((has(self.features) && has(self.features.messaging)) != (has(oldSelf.features) && has(oldSelf.features.messaging)) || (has(self.features) && has(self.features.messaging) && self.features.messaging != oldSelf.features.messaging) ? ' features.messaging' : '') + ((has(self.features) && has(self.features.ironic)) != (has(oldSelf.features) && has(oldSelf.features.ironic)) || (has(self.features) && has(self.features.ironic) && self.features.ironic != oldSelf.features.ironic) ? ' features.ironic' : '') + ((has(self.features) && has(self.features.octavia)) != (has(oldSelf.features) && has(oldSelf.features.octavia)) || (has(self.features) && has(self.features.octavia) && self.features.octavia != oldSelf.features.octavia) ? ' features.octavia' : '') + ((has(self.features) && has(self.features.designate)) != (has(oldSelf.features) && has(oldSelf.features.designate)) || (has(self.features) && has(self.features.designate) && self.features.designate != oldSelf.features.designate) ? ' features.designate' : '') + ((has(self.features) && has(self.features.barbican)) != (has(oldSelf.features) && has(oldSelf.features.barbican)) || (has(self.features) && has(self.features.barbican) && self.features.barbican != oldSelf.features.barbican) ? ' features.barbican' : '') + ((has(self.features) && has(self.features.horizon)) != (has(oldSelf.features) && has(oldSelf.features.horizon)) || (has(self.features) && has(self.features.horizon) && self.features.horizon != oldSelf.features.horizon) ? ' features.horizon' : '') + ((has(self.features) && has(self.features.masakari)) != (has(oldSelf.features) && has(oldSelf.features.masakari)) || (has(self.features) && has(self.features.masakari) && self.features.masakari != oldSelf.features.masakari) ? ' features.masakari' : '') + ((has(self.features) && has(self.features.stacklight)) != (has(oldSelf.features) && has(oldSelf.features.stacklight)) || (has(self.features) && has(self.features.stacklight) && self.features.stacklight != oldSelf.features.stacklight) ? ' features.stacklight' : '') + ((has(self.features) && has(self.features.cloudprober)) != (has(oldSelf.features) && has(oldSelf.features.cloudprober)) || (has(self.features) && has(self.features.cloudprober) && self.features.cloudprober != oldSelf.features.cloudprober) ? ' features.cloudprober' : '') + ((has(self.features) && has(self.features.telemetry)) != (has(oldSelf.features) && has(oldSelf.features.telemetry)) || (has(self.features) && has(self.features.telemetry) && self.features.telemetry != oldSelf.features.telemetry) ? ' features.telemetry' : '') + ((has(self.features) && has(self.features.logging)) != (has(oldSelf.features) && has(oldSelf.features.logging)) || (has(self.features) && has(self.features.logging) && self.features.logging != oldSelf.features.logging) ? ' features.logging' : '')"

// OpenStackDeploymentSpec is the desired cloud.
//
// The transition rule below is the original admission rule "while
// openstack_version changes, nothing else in spec may change except
// features.services". Members of spec.features that this API does not
// declare are not visible to CEL and so are not covered by it.
type OpenStackDeploymentSpec struct {
	// Draft pauses the controller: nothing is applied while it is true.
	// +optional
	Draft *bool `json:"draft,omitempty"`

	// OpenStackVersion is the OpenStack release of the cloud. It can not be
	// downgraded and advances one release at a time, except the SLURP jumps
	// yoga→antelope→caracal→epoxy→gazpacho.
	//
	// +kubebuilder:validation:XValidation:rule="{'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self] >= {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[oldSelf]",messageExpression="'openstack_version can not be downgraded from ' + oldSelf + ' to ' + self"
	// +kubebuilder:validation:XValidation:rule="{'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[self] - {'queens': 1, 'rocky': 2, 'stein': 3, 'train': 4, 'ussuri': 5, 'victoria': 6, 'wallaby': 7, 'xena': 8, 'yoga': 9, 'antelope': 11, 'caracal': 13, 'epoxy': 15, 'gazpacho': 17}[oldSelf] <= 1 || (oldSelf in {'yoga': 1, 'antelope': 2, 'caracal': 3, 'epoxy': 4, 'gazpacho': 5} && self in {'yoga': 1, 'antelope': 2, 'caracal': 3, 'epoxy': 4, 'gazpacho': 5} && {'yoga': 1, 'antelope': 2, 'caracal': 3, 'epoxy': 4, 'gazpacho': 5}[self] - {'yoga': 1, 'antelope': 2, 'caracal': 3, 'epoxy': 4, 'gazpacho': 5}[oldSelf] == 1)",messageExpression="'openstack_version can not be upgraded from ' + oldSelf + ' to ' + self + ': upgrade one release at a time, or from one SLURP release to the next (yoga, antelope, caracal, epoxy, gazpacho)'"
	OpenStackVersion OpenStackVersion `json:"openstack_version"`

	// Preset selects the set of services and their defaults.
	Preset Preset `json:"preset"`

	// Size selects replicas, resources and timeouts.
	Size Size `json:"size"`

	// PublicDomainName is the DNS suffix of public endpoints.
	// +kubebuilder:validation:MinLength=1
	PublicDomainName string `json:"public_domain_name"`

	// InternalDomainName is the Kubernetes cluster domain (preset default
	// cluster.local).
	// +optional
	InternalDomainName string `json:"internal_domain_name,omitempty"`

	// RegionName is the Keystone region (default RegionOne).
	// +optional
	RegionName string `json:"region_name,omitempty"`

	// LocalVolumeStorageClass is used by mariadb, etcd and redis.
	// +optional
	LocalVolumeStorageClass string `json:"local_volume_storage_class,omitempty"`

	// PersistentVolumeStorageClass is used for backups and other persistent
	// volumes.
	// +optional
	PersistentVolumeStorageClass string `json:"persistent_volume_storage_class,omitempty"`

	// Artifacts overrides the image and binary base URLs.
	// +optional
	Artifacts *Artifacts `json:"artifacts,omitempty"`

	// Common holds values for all charts (charts.releases, openstack.values,
	// infra.values, ...). Free-form.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Common *runtime.RawExtension `json:"common,omitempty"`

	// Features switches and configures the cloud's features.
	// +optional
	Features *Features `json:"features,omitempty"`

	// Services holds per-release Helm value overrides:
	// services.<service>.<chart>.values. Free-form.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Services *runtime.RawExtension `json:"services,omitempty"`

	// Nodes holds per-node overrides keyed by "<label key>::<label value>".
	// Free-form.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Nodes *runtime.RawExtension `json:"nodes,omitempty"`

	// Migration holds migration switches (ingress.state,
	// <chart>.deploy_main_service, neutron.ovs_ovn_migration). Free-form.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Migration *runtime.RawExtension `json:"migration,omitempty"`

	// Timeouts holds waiting times used during upgrades.
	// +optional
	Timeouts *Timeouts `json:"timeouts,omitempty"`
}

// Artifacts overrides the base URLs substituted into the per-release
// artifact list.
type Artifacts struct {
	// +optional
	ImagesBaseURL string `json:"images_base_url,omitempty"`
	// +optional
	BinaryBaseURL string `json:"binary_base_url,omitempty"`
}

// Timeouts holds the readiness timeouts per health group.
type Timeouts struct {
	// ApplicationReadiness maps a health group (nova, neutron, mariadb,
	// openvswitch, ...) to its timeout and polling delay in seconds.
	// +optional
	ApplicationReadiness map[string]ReadinessTimeout `json:"application_readiness,omitempty"`
}

// ReadinessTimeout is a timeout and a polling delay in seconds.
type ReadinessTimeout struct {
	// +optional
	// +kubebuilder:validation:Minimum=0
	Timeout *int64 `json:"timeout,omitempty"`
	// +optional
	// +kubebuilder:validation:Minimum=0
	Delay *int64 `json:"delay,omitempty"`
}

// DeploymentStatus is the status written on the OpenStackDeployment itself.
// Members written by other controllers that this API does not declare are
// kept.
//
// +kubebuilder:pruning:PreserveUnknownFields
type DeploymentStatus struct {
	// ObservedGeneration is the spec generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready, Progressing, Degraded.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Version is the controller version that applied the spec.
	// +optional
	Version string `json:"version,omitempty"`
	// Fingerprint is the sha256 of the canonical JSON of the merged spec.
	// +optional
	Fingerprint string `json:"fingerprint,omitempty"`
	// Watched holds hashes of the objects the cloud depends on; a change
	// triggers a reconcile.
	// +optional
	Watched *Watched `json:"watched,omitempty"`
	// Credentials triggers credential rotation by increasing rotation_id.
	// +optional
	Credentials *CredentialsRotation `json:"credentials,omitempty"`
	// Certificates triggers certificate rotation by increasing rotation_id.
	// +optional
	Certificates *CertificatesRotation `json:"certificates,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Hash is the hash of a watched object.
type Hash struct {
	// +optional
	Hash string `json:"hash,omitempty"`
}

// SecretHash is the hash of a watched Secret.
type SecretHash struct {
	// +optional
	Secret *Hash `json:"secret,omitempty"`
}

// Watched holds the hashes written by the secrets, configmaps and
// ceph-exchange controllers.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Watched struct {
	// ConfigMaps maps a watched ConfigMap name to its hash.
	// +optional
	ConfigMaps map[string]Hash `json:"configmaps,omitempty"`
	// ValueFrom holds hashes of the Secrets referenced by value_from.
	// +optional
	ValueFrom *WatchedValueFrom `json:"value_from,omitempty"`
	// +optional
	Ceph *SecretHash `json:"ceph,omitempty"`
	// +optional
	TF *SecretHash `json:"tf,omitempty"`
	// +optional
	Neutron *WatchedNeutron `json:"neutron,omitempty"`
	// +optional
	OSDPLSecret *Hash `json:"osdplsecret,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// WatchedValueFrom maps a substitution Secret name to its hash.
type WatchedValueFrom struct {
	// +optional
	Secret map[string]Hash `json:"secret,omitempty"`
}

// WatchedNeutron holds the hash of the BGPVPN neighbour Secret.
type WatchedNeutron struct {
	// +optional
	BGPVPNNeighborSecret *Hash `json:"bgpvpn_neighbor_secret,omitempty"`
}

// RotationID is a rotation trigger: an integer above 0 that may only grow by
// one at a time.
type RotationID struct {
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf || self == oldSelf + 1",message="rotation_id may only be increased by 1"
	RotationID int64 `json:"rotation_id"`
}

// CredentialsRotation holds the rotation triggers of the admin and service
// credentials.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.admin) || has(self.admin)",message="credentials.admin.rotation_id can not be removed"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.service) || has(self.service)",message="credentials.service.rotation_id can not be removed"
type CredentialsRotation struct {
	// +optional
	Admin *RotationID `json:"admin,omitempty"`
	// +optional
	Service *RotationID `json:"service,omitempty"`
}

// CertificatesRotation holds certificate rotation triggers.
type CertificatesRotation struct {
	// +optional
	Octavia *OctaviaCertificates `json:"octavia,omitempty"`
}

// OctaviaCertificates holds the amphora CA rotation trigger.
type OctaviaCertificates struct {
	// +optional
	Amphora *RotationID `json:"amphora,omitempty"`
}
