package operator

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// InformerFactory is what every shared informer factory offers (client-go's,
// the generated one of our API, the metadata one).
type InformerFactory interface {
	Start(stopCh <-chan struct{})
	Shutdown()
}

// StartInformers starts the factories (informers requested from them
// before this call) and makes /readyz fail until every named informer has
// synced. The returned func stops the factories and waits for them.
func (r *Runtime) StartInformers(ctx context.Context, synced map[string]cache.InformerSynced, factories ...InformerFactory) (stop func()) {
	for name, s := range synced {
		r.Readyz.Add("informer-"+name, func(*http.Request) error {
			if !s() {
				return fmt.Errorf("informer %s has not synced", name)
			}
			return nil
		})
	}
	for _, f := range factories {
		f.Start(ctx.Done())
	}
	return func() {
		for _, f := range factories {
			f.Shutdown()
		}
	}
}

// Selection narrows what an informer factory lists and caches: the
// namespace, a label selector and a field selector (e.g. metadata.name=x);
// empty means everything. KeepManagedFields keeps metadata.managedFields,
// which every other informer drops (they are most of a small object's
// size and nothing reads them).
type Selection struct {
	Namespace         string
	Labels            string
	Fields            string
	KeepManagedFields bool
}

// NewSelectedInformerFactory returns a client-go informer factory whose
// informers list and watch only the selection.
func NewSelectedInformerFactory(kube kubernetes.Interface, resync time.Duration, sel Selection) informers.SharedInformerFactory {
	opts := []informers.SharedInformerOption{
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.LabelSelector, lo.FieldSelector = sel.Labels, sel.Fields
		}),
	}
	if sel.Namespace != "" {
		opts = append(opts, informers.WithNamespace(sel.Namespace))
	}
	if !sel.KeepManagedFields {
		opts = append(opts, informers.WithTransform(DropManagedFields))
	}
	return informers.NewSharedInformerFactoryWithOptions(kube, resync, opts...)
}

// DropManagedFields is an informer transform that empties
// metadata.managedFields.
func DropManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
