package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Main starts one Env for a test package, runs its tests and stops the Env:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{}, func(e *testenv.Env) { env = e })) }
func Main(m *testing.M, opts Options, setup func(*Env)) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	env, err := Start(ctx, opts)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	defer env.Stop()
	setup(env)
	return m.Run()
}

// SharedDir returns the path of elem inside the reference material beside
// the repository (../shared: reference fixtures and charts; SharedDir(t) is
// the directory itself). The test FAILS when it is not there: CI always
// provides it, so a missing ../shared must not turn into skipped (passing)
// conformance tests. It only looks at the file system: no API server, safe to
// call from any package's tests.
func SharedDir(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("../shared (reference fixtures and charts): %v", err)
	}
	shared := filepath.Join(filepath.Dir(root), "shared")
	if st, err := os.Stat(shared); err != nil || !st.IsDir() {
		t.Fatalf("../shared (reference fixtures and charts) not found beside the repository at %s: CI always provides it; clone it there", shared)
	}
	p := filepath.Join(append([]string{shared}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing from ../shared (reference fixtures and charts) at %s: CI always provides it complete; update the clone", filepath.Join(elem...), shared)
	}
	return p
}

// repoRoot is the directory of this module's go.mod, found from the working
// directory (a test's package directory) up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(data) == "rockoon.dev/rockoon" {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod of rockoon.dev/rockoon above %s", dir)
		}
		d = parent
	}
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// SharedCharts returns the openstack-helm charts directory beside the
// repository (../shared/charts); the test fails when it is not there (see
// SharedDir).
func SharedCharts(t testing.TB) string {
	t.Helper()
	charts := SharedDir(t, "charts")
	SharedDir(t, "charts", "infra", "helm-toolkit")
	return charts
}
