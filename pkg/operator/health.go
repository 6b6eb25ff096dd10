package operator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// Check reports nil when healthy.
type Check func(r *http.Request) error

// Checks is a named set of checks served as one endpoint: 200 "ok" when all
// pass, 500 with the failing checks otherwise; ?verbose lists every check.
type Checks struct {
	mu     sync.RWMutex
	checks map[string]Check
}

// Add registers (or replaces) a named check.
func (c *Checks) Add(name string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checks == nil {
		c.checks = map[string]Check{}
	}
	c.checks[name] = check
}

// ServeHTTP runs the checks.
func (c *Checks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.RLock()
	names := make([]string, 0, len(c.checks))
	for n := range c.checks {
		names = append(names, n)
	}
	c.mu.RUnlock()
	sort.Strings(names)
	var report strings.Builder
	failed := false
	for _, n := range names {
		c.mu.RLock()
		check := c.checks[n]
		c.mu.RUnlock()
		if err := check(r); err != nil {
			failed = true
			fmt.Fprintf(&report, "[-]%s failed: %v\n", n, err)
		} else {
			fmt.Fprintf(&report, "[+]%s ok\n", n)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if failed {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprint(w, report.String())
		return
	}
	if _, verbose := r.URL.Query()["verbose"]; verbose {
		_, _ = fmt.Fprint(w, report.String())
	}
	_, _ = fmt.Fprint(w, "ok\n")
}

// SyncedCheck fails until every informer has synced.
func SyncedCheck(synced ...func() bool) Check {
	return func(*http.Request) error {
		for i, s := range synced {
			if !s() {
				return fmt.Errorf("informer %d of %d has not synced", i+1, len(synced))
			}
		}
		return nil
	}
}
