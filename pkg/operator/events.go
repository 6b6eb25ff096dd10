package operator

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	lcmscheme "rockoon.dev/rockoon/pkg/client/clientset/versioned/scheme"
)

// Scheme knows the built-in kinds and ours: Events can be recorded on any
// of them.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(scheme.AddToScheme(s))
	utilruntime.Must(lcmscheme.AddToScheme(s))
	return s
}()

// NewEventRecorder returns a recorder of Events in namespace, reported by
// component; it stops recording when ctx ends. Events are also logged at
// verbosity 3.
func NewEventRecorder(ctx context.Context, kube kubernetes.Interface, namespace, component string) record.EventRecorder {
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartStructuredLogging(3)
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events(namespace)})
	return broadcaster.NewRecorder(Scheme, corev1.EventSource{Component: component})
}
