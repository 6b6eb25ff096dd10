package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/health"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/testenv"
)

// BenchmarkCorePresetRolloutGated: examples/demo.yaml (the whole core
// preset, 13 releases) from create to APPLIED with osdpl and health on a
// kwok cluster (two nodes with every role), waves gated on health. One
// cluster per iteration (its start is not timed). Reports the seconds to
// APPLIED and logs when each wave's releases were installed and its
// applications Ready.
func BenchmarkCorePresetRolloutGated(b *testing.B) {
	charts := testenv.SharedCharts(b)
	data, err := os.ReadFile("../examples/demo.yaml")
	if err != nil {
		b.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	var secret corev1.Secret
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(docs[1]), &secret); err != nil {
		b.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(docs[2]), &o); err != nil {
		b.Fatal(err)
	}
	ns := o.Namespace
	if ns == "" {
		ns = "openstack"
	}
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		sec := secret.DeepCopy()
		sec.Namespace = ns
		env, kube, lcm := cluster(b, testenv.Options{GatewayCRDs: true}, roles, ns, sec)
		ctx := context.Background()
		runBinaries(b, env, ns, charts, osdpl.Config{ControllerHost: "bench"})
		obj := o.DeepCopy()
		obj.Namespace = ns
		b.StartTimer()
		start := time.Now()
		if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		readyAt := map[string]time.Duration{}
		var last *lcmv1alpha1.OpenStackDeploymentStatus
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
			st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, obj.Name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			last = st
			for app, comps := range st.Status.Health {
				if _, seen := readyAt[app]; !seen && health.ApplicationReady(comps) {
					readyAt[app] = time.Since(start)
				}
			}
			return st.Status.OSDPL != nil && st.Status.OSDPL.State == lcmv1alpha1.StateApplied, nil
		})
		took := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatalf("not APPLIED within 10 min: %+v", last.Status.OSDPL)
		}
		total += took
		// When each wave went in: its services' Helm records.
		list, err := kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
		if err != nil {
			b.Fatal(err)
		}
		installed := map[string]time.Duration{}
		for _, s := range list.Items {
			if s.Labels["version"] == "1" {
				installed[s.Labels["name"]] = s.CreationTimestamp.Sub(start.Truncate(time.Second))
			}
		}
		var lines []string
		for wave := range catalog.Waves {
			var svcs, apps []string
			for svc, st := range last.Status.Services {
				if catalog.WaveOf(svc) != wave {
					continue
				}
				var at []string
				for _, r := range st.Releases {
					at = append(at, fmt.Sprintf("%s@%.0fs", r, installed[r].Seconds()))
				}
				svcs = append(svcs, svc+" ("+strings.Join(at, ", ")+")")
				entry, _ := catalog.Lookup(svc)
				for _, app := range entry.HealthGroups(false) {
					apps = append(apps, fmt.Sprintf("%s@%.1fs", app, readyAt[app].Seconds()))
				}
			}
			if len(svcs) == 0 {
				continue
			}
			slices.Sort(svcs)
			slices.Sort(apps)
			lines = append(lines, fmt.Sprintf("wave %d: installed %s; Ready %s", wave, strings.Join(svcs, " "), strings.Join(apps, " ")))
		}
		b.Logf("core preset, gated on health: APPLIED %s after the create (HEALTH %s)\n%s", took.Round(100*time.Millisecond), last.Status.OSDPL.Health, strings.Join(lines, "\n"))
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/APPLIED")
}
