package testenv

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
)

// Eventually polls cond every 100ms until it holds or timeout passes; then
// the test fails with what and cond's last description of the state.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (ok bool, state string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, state := cond()
		last = state
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: after %s still %s", what, timeout, last)
	}
}

// Writes counts the requests that change something (every method but
// GET), except Events, sent through the configs it wraps.
type Writes struct {
	mu    sync.Mutex
	n     int
	paths []string
}

// Wrap returns a copy of cfg whose requests Writes counts.
func (w *Writes) Wrap(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method != http.MethodGet && !strings.Contains(r.URL.Path, "/events") {
				w.mu.Lock()
				w.n++
				w.paths = append(w.paths, r.Method+" "+r.URL.Path)
				w.mu.Unlock()
			}
			return rt.RoundTrip(r)
		})
	})
	return cfg
}

// Count is the number of writes so far.
func (w *Writes) Count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Since returns the method and path of the writes after the first n.
func (w *Writes) Since(n int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > len(w.paths) {
		return nil
	}
	return append([]string(nil), w.paths[n:]...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
