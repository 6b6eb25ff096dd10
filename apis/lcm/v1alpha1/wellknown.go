package v1alpha1

// Names shared by the binaries (finalizers, labels, condition types). They
// live with the API types so that importing them links nothing else.

// OSDPLFinalizer is the original's finalizer of the OpenStackDeployment, so
// that adopted objects keep working.
const OSDPLFinalizer = "lcm.mirantis.com/rockoon.osdpl-finalizer"

// OSDPLStatusFinalizer keeps the osdplst (the record of the releases each
// service owns) until the osdpl's deletion has uninstalled them, even when
// the osdpl is deleted with foreground cascading.
const OSDPLStatusFinalizer = "lcm.mirantis.com/rockoon.osdplst-finalizer"

// OSDPLSecretLabel marks the Secrets that value_from may reference (and
// whose changes the secrets binary hashes into status.watched).
const OSDPLSecretLabel = "openstack.lcm.mirantis.com/osdpl_secret"

// WatchConfigMapLabel marks the ConfigMaps whose changes are hashed into
// status.watched.
const WatchConfigMapLabel = "openstack.lcm.mirantis.com/watch"

// GeneratedCredentialsLabel marks the credential Secrets the controller
// generates (and adopts): they are watched, and a deleted or emptied one
// is restored, never silently regenerated.
const GeneratedCredentialsLabel = "openstack.lcm.mirantis.com/generated-credentials"

// Condition types of the OpenStackDeployment status.
const (
	ConditionReady       = "Ready"
	ConditionProgressing = "Progressing"
	ConditionDegraded    = "Degraded"
)
