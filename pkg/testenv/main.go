package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// SharedCharts returns the openstack-helm charts directory beside the
// repository (../shared/charts), found from the working directory up; the
// test is skipped when it is not there.
func SharedCharts(t testing.TB) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		c := filepath.Join(dir, "shared", "charts")
		if st, err := os.Stat(filepath.Join(c, "infra", "helm-toolkit")); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("the openstack-helm charts (../shared/charts beside the repository) are not here")
			return ""
		}
		dir = parent
	}
}
