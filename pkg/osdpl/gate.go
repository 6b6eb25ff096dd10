package osdpl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/health"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/render"
)

// readinessWaits remembers since when each application of an osdpl has
// been awaited, and for which fingerprint: a new edit starts its clock
// anew (one entry per application, whatever the edits). A restart starts
// them anew too: at worst a timeout is reported later.
type readinessWaits struct {
	mu    sync.Mutex
	since map[string]awaited
}

type awaited struct {
	fingerprint string
	since       time.Time
}

// start returns since when key has been awaited for fingerprint.
func (r *readinessWaits) start(key, fingerprint string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.since == nil {
		r.since = map[string]awaited{}
	}
	a, ok := r.since[key]
	if !ok || a.fingerprint != fingerprint {
		a = awaited{fingerprint: fingerprint, since: time.Now()}
		r.since[key] = a
	}
	return a.since
}

func (r *readinessWaits) clear(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.since, key)
}

// waitHealthy is the gate before wave (catalog.Waves for the end of
// the pass): every health group of the services of the earlier waves must
// be Ready in the osdplst (written by the health binary). Otherwise it
// returns a wait naming the applications awaited, to be looked at again
// after their readiness delay; past an application's timeout the wait is
// also Degraded (with a Warning Event), and still waits.
func (c *Controller) waitHealthy(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, spec map[string]any, res *render.Result, wave int) error {
	st, err := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace).Get(ctx, osdpl.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading the health in OpenStackDeploymentStatus %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	ovn := layering.Get(spec, "features", "neutron", "backend") == "ml2/ovn"
	var awaited, late []string
	var after time.Duration
	seen := map[string]bool{}
	for _, s := range res.Services {
		if s.Wave >= wave {
			continue
		}
		entry, _ := catalog.Lookup(s.Key)
		for _, app := range entry.HealthGroups(ovn) {
			if seen[app] {
				continue
			}
			seen[app] = true
			key := string(osdpl.UID) + "/" + app
			if health.ApplicationReady(st.Status.Health[app]) {
				c.waits.clear(key)
				continue
			}
			timeout, delay := c.readiness(osdpl, app)
			awaited = append(awaited, fmt.Sprintf("%s (%s)", app, s.Key))
			if after == 0 || delay < after {
				after = delay
			}
			if time.Since(c.waits.start(key, res.Fingerprint)) > timeout {
				late = append(late, fmt.Sprintf("%s after %s", app, timeout))
			}
		}
	}
	if len(awaited) == 0 {
		return nil
	}
	slices.Sort(awaited)
	slices.Sort(late)
	what := fmt.Sprintf("wave %d", wave)
	if wave >= catalog.Waves {
		what = "APPLIED"
	}
	msg := fmt.Sprintf("waiting for %s to be Ready (osdplst status.health) before %s", strings.Join(awaited, ", "), what)
	if len(late) > 0 {
		msg += "; not Ready within the readiness timeout: " + strings.Join(late, ", ")
	}
	return waitError{error: errors.New(msg), after: after, degraded: len(late) > 0}
}

// readiness is an application's timeout and polling delay:
// spec.timeouts.application_readiness.<app>, else the configuration's
// (1200 s and 10 s by default, as the original).
func (c *Controller) readiness(osdpl *lcmv1alpha1.OpenStackDeployment, app string) (timeout, delay time.Duration) {
	timeout, delay = c.cfg.HealthTimeout, c.cfg.HealthDelay
	if t := osdpl.Spec.Timeouts; t != nil {
		if r, ok := t.ApplicationReadiness[app]; ok {
			if r.Timeout != nil {
				timeout = time.Duration(*r.Timeout) * time.Second
			}
			if r.Delay != nil && *r.Delay > 0 {
				delay = time.Duration(*r.Delay) * time.Second
			}
		}
	}
	return timeout, delay
}
