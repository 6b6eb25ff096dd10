package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// OpenStackDeploymentStatus (osdplst) is the shared status record of an
// OpenStackDeployment, with the same name and namespace, owned by it. As in
// the original it has no status subresource: its status is written with JSON
// merge patches on the main resource, a null member deleting a key.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=openstackdeploymentstatus,singular=openstackdeploymentstatus,shortName=osdplst,categories=all,scope=Namespaced
// +kubebuilder:printcolumn:name="OpenStack Version",type=string,JSONPath=`.status.osdpl.openstack_version`
// +kubebuilder:printcolumn:name="Controller Version",type=string,JSONPath=`.status.osdpl.controller_version`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.osdpl.state`
// +kubebuilder:printcolumn:name="LCM Progress",type=string,JSONPath=`.status.osdpl.lcm_progress`
// +kubebuilder:printcolumn:name="Health",type=string,JSONPath=`.status.osdpl.health`
// +kubebuilder:printcolumn:name="MOSK Release",type=string,JSONPath=`.status.osdpl.release`
type OpenStackDeploymentStatus struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is unused.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Spec *runtime.RawExtension `json:"spec,omitempty"`
	// +optional
	Status LCMStatus `json:"status,omitempty"`
}

// OpenStackDeploymentStatusList is a list of OpenStackDeploymentStatus.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type OpenStackDeploymentStatusList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []OpenStackDeploymentStatus `json:"items"`
}

// LCMState is the state of the whole deployment or of one service.
//
// +kubebuilder:validation:Enum=APPLYING;APPLIED;FAILED;DELETING;WAITING
type LCMState string

// LCM states.
const (
	StateApplying LCMState = "APPLYING"
	StateApplied  LCMState = "APPLIED"
	StateFailed   LCMState = "FAILED"
	StateDeleting LCMState = "DELETING"
	StateWaiting  LCMState = "WAITING"
)

// LCMStatus is the status of an OpenStackDeploymentStatus.
//
// +kubebuilder:pruning:PreserveUnknownFields
type LCMStatus struct {
	// OSDPL is the overall LCM record, written by the osdpl controller (and
	// health for its health member).
	// +optional
	OSDPL *OSDPLState `json:"osdpl,omitempty"`
	// Services maps a service key to its LCM state.
	// +optional
	Services map[string]ServiceState `json:"services,omitempty"`
	// Health maps an application to its components' health, written by the
	// health controller.
	// +optional
	Health map[string]map[string]ComponentHealth `json:"health,omitempty"`
	// +optional
	Credentials *CredentialsStatus `json:"credentials,omitempty"`
	// Rotations maps a rotation group (admin, service, octavia-amphora) to
	// the last rotation_id the osdpl controller handled (an addition of
	// this controller: the original keeps it in kopf's last-handled
	// annotation).
	// +optional
	Rotations map[string]RotationState `json:"rotations,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// RotationState is the osdpl controller's record of one rotation group.
type RotationState struct {
	// RotationID is the last rotation_id handled: its new credentials (or
	// certificates) are the active ones.
	RotationID int64 `json:"rotation_id"`
	// RolledOut is true once a pass that rendered them ended APPLIED: every
	// release uses them.
	// +optional
	RolledOut bool `json:"rolled_out,omitempty"`
	// Timestamp is when RotationID was handled ("YYYY-mm-dd HH:MM:SS.ffffff").
	// +optional
	Timestamp string `json:"timestamp,omitempty"`
}

// OSDPLState is the overall LCM record.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OSDPLState struct {
	// +optional
	State LCMState `json:"state,omitempty"`
	// +optional
	OpenStackVersion string `json:"openstack_version,omitempty"`
	// +optional
	ControllerVersion string `json:"controller_version,omitempty"`
	// +optional
	ControllerHost string `json:"controller_host,omitempty"`
	// +optional
	Fingerprint string `json:"fingerprint,omitempty"`
	// +optional
	Timestamp string `json:"timestamp,omitempty"`
	// +optional
	Release string `json:"release,omitempty"`
	// +optional
	Changes string `json:"changes,omitempty"`
	// Cause is create, update, resume or, when FAILED, the error.
	// +optional
	Cause string `json:"cause,omitempty"`
	// LCMProgress is "<applied services>/<services>".
	// +optional
	LCMProgress string `json:"lcm_progress,omitempty"`
	// Health is "<healthy applications>/<applications>".
	// +optional
	Health string `json:"health,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// ServiceState is the LCM state of one service.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ServiceState struct {
	// +optional
	State LCMState `json:"state,omitempty"`
	// +optional
	OpenStackVersion string `json:"openstack_version,omitempty"`
	// +optional
	ControllerVersion string `json:"controller_version,omitempty"`
	// +optional
	ControllerHost string `json:"controller_host,omitempty"`
	// +optional
	Fingerprint string `json:"fingerprint,omitempty"`
	// +optional
	Timestamp string `json:"timestamp,omitempty"`
	// +optional
	Release string `json:"release,omitempty"`
	// +optional
	Changes string `json:"changes,omitempty"`
	// +optional
	Cause string `json:"cause,omitempty"`
	// +optional
	Tasks []Task `json:"tasks,omitempty"`
	// Releases are the Helm releases of the service the controller
	// installed (an addition of this controller: it uninstalls exactly
	// these when the service is removed or the osdpl deleted).
	// +optional
	Releases []string `json:"releases,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// Task is a long-running step of a service's LCM.
type Task struct {
	// +optional
	Description string `json:"description,omitempty"`
	// +optional
	StartTime string `json:"start_time,omitempty"`
}

// ComponentHealth is the health of one workload.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ComponentHealth struct {
	// Status is Ready or Unhealthy.
	// +optional
	Status string `json:"status,omitempty"`
	// +optional
	Generation int64 `json:"generation,omitempty"`

	Unknown UnknownFields `json:"-"`
}

// CredentialsStatus records credential rotations.
type CredentialsStatus struct {
	// Rotation maps a credential group (admin, service) to the time of its
	// last rotation.
	// +optional
	Rotation map[string]RotationTimestamp `json:"rotation,omitempty"`
}

// RotationTimestamp is the time of a rotation ("YYYY-mm-dd HH:MM:SS.ffffff").
type RotationTimestamp struct {
	// +optional
	Timestamp string `json:"timestamp,omitempty"`
}
