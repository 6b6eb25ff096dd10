package operator

import (
	"context"
	"fmt"
	"net/http"

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
