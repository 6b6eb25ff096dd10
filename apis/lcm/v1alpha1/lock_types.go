package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LockState is the state of a workload lock.
//
// +kubebuilder:validation:Enum=inactive;active;failed
type LockState string

// Workload lock states.
const (
	LockInactive LockState = "inactive"
	LockActive   LockState = "active"
	LockFailed   LockState = "failed"
)

// MaintenanceScope is what a maintenance request does to its nodes.
//
// +kubebuilder:validation:Enum=os;drain
type MaintenanceScope string

// WorkloadLockStatus is the status of a node or cluster workload lock.
type WorkloadLockStatus struct {
	State LockState `json:"state"`
	// +optional
	ErrorMessage string `json:"errorMessage,omitempty"`
	// +optional
	Release string `json:"release,omitempty"`
	// +optional
	InactivationProgress *InactivationProgress `json:"inactivationProgress,omitempty"`
	// +optional
	StatusObjectReference string `json:"statusObjectReference,omitempty"`
}

// InactivationProgress reports how far a lock's inactivation got.
type InactivationProgress struct {
	// +optional
	Description string `json:"description,omitempty"`
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percentage int64 `json:"percentage,omitempty"`
}

// NodeWorkloadLock lets a controller hold a node's maintenance until its
// workloads are moved away.
//
// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=nodeworkloadlocks,singular=nodeworkloadlock,scope=Cluster
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.spec.nodeName`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
type NodeWorkloadLock struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NodeWorkloadLockSpec `json:"spec"`
	// +optional
	Status WorkloadLockStatus `json:"status,omitempty"`
}

// NodeWorkloadLockSpec names the controller and the node.
type NodeWorkloadLockSpec struct {
	ControllerName string `json:"controllerName"`
	NodeName       string `json:"nodeName"`
	// +optional
	NodeDeletionRequestSupported *bool `json:"nodeDeletionRequestSupported,omitempty"`
}

// NodeWorkloadLockList is a list of NodeWorkloadLocks.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type NodeWorkloadLockList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []NodeWorkloadLock `json:"items"`
}

// ClusterWorkloadLock lets a controller hold a cluster-wide maintenance.
//
// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=clusterworkloadlocks,singular=clusterworkloadlock,scope=Cluster
// +kubebuilder:printcolumn:name="Controller",type=string,JSONPath=`.spec.controllerName`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
type ClusterWorkloadLock struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ClusterWorkloadLockSpec `json:"spec"`
	// +optional
	Status WorkloadLockStatus `json:"status,omitempty"`
}

// ClusterWorkloadLockSpec names the controller.
type ClusterWorkloadLockSpec struct {
	ControllerName string `json:"controllerName"`
}

// ClusterWorkloadLockList is a list of ClusterWorkloadLocks.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type ClusterWorkloadLockList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ClusterWorkloadLock `json:"items"`
}

// NodeMaintenanceRequest asks for a node's maintenance.
//
// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=nodemaintenancerequests,singular=nodemaintenancerequest,scope=Cluster
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.spec.nodeName`
// +kubebuilder:printcolumn:name="Scope",type=string,JSONPath=`.spec.scope`
type NodeMaintenanceRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NodeMaintenanceRequestSpec `json:"spec"`
}

// NodeMaintenanceRequestSpec names the node and the scope.
type NodeMaintenanceRequestSpec struct {
	NodeName string `json:"nodeName"`
	// +optional
	Release string `json:"release,omitempty"`
	// +optional
	Scope MaintenanceScope `json:"scope,omitempty"`
}

// NodeMaintenanceRequestList is a list of NodeMaintenanceRequests.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type NodeMaintenanceRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []NodeMaintenanceRequest `json:"items"`
}

// ClusterMaintenanceRequest asks for a cluster-wide maintenance.
//
// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=clustermaintenancerequests,singular=clustermaintenancerequest,scope=Cluster
// +kubebuilder:printcolumn:name="Scope",type=string,JSONPath=`.spec.scope`
type ClusterMaintenanceRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ClusterMaintenanceRequestSpec `json:"spec"`
}

// ClusterMaintenanceRequestSpec holds the release and scope.
type ClusterMaintenanceRequestSpec struct {
	// +optional
	Release string `json:"release,omitempty"`
	// +optional
	Scope MaintenanceScope `json:"scope,omitempty"`
}

// ClusterMaintenanceRequestList is a list of ClusterMaintenanceRequests.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type ClusterMaintenanceRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ClusterMaintenanceRequest `json:"items"`
}

// NodeSpec names a node.
type NodeSpec struct {
	NodeName string `json:"nodeName"`
}

// NodeDeletionRequest announces that a node will be deleted.
//
// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=nodedeletionrequests,singular=nodedeletionrequest,scope=Cluster
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.spec.nodeName`
type NodeDeletionRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NodeSpec `json:"spec"`
}

// NodeDeletionRequestList is a list of NodeDeletionRequests.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type NodeDeletionRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []NodeDeletionRequest `json:"items"`
}

// NodeDisableNotification announces that a node's OpenStack services are
// disabled.
//
// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=nodedisablenotifications,singular=nodedisablenotification,scope=Cluster
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.spec.nodeName`
type NodeDisableNotification struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NodeSpec `json:"spec"`
}

// NodeDisableNotificationList is a list of NodeDisableNotifications.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type NodeDisableNotificationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []NodeDisableNotification `json:"items"`
}
