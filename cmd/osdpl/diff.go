package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/render"
)

func newDiffCommand() *cobra.Command {
	o := &renderOptions{}
	var chartsDir string
	cmd := &cobra.Command{
		Use:   "diff -f osdpl.yaml --kubeconfig FILE",
		Short: "Show what applying an OpenStackDeployment would change in each release",
		Long: "diff renders the file with the cluster's Secrets (read-only) and compares every release with\n" +
			"the deployed one: which releases would be installed, upgraded, uninstalled or left alone, and\n" +
			"per release the value paths added, changed and removed (secret-looking values are masked).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.kubeconfig == "" {
				o.kubeconfig = clientcmd.NewDefaultClientConfigLoadingRules().GetDefaultFilename()
			}
			res, ns, err := o.render(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
			if err != nil {
				return err
			}
			hm, err := helm.New(cfg, helm.Options{ChartsDir: chartsDir})
			if err != nil {
				return err
			}
			lcm, err := versioned.NewForConfig(cfg)
			if err != nil {
				return err
			}
			name, err := o.objectName()
			if err != nil {
				return err
			}
			return diff(cmd.Context(), cmd.OutOrStdout(), hm, lcm, res, ns, name)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&chartsDir, "charts-dir", envOr("CHARTS_DIR", "/opt/rockoon/charts"), "Charts directory, laid out as <dir>/{openstack,infra}/<chart>")
	return cmd
}

func (o *renderOptions) objectName() (string, error) {
	_, name, _, _, err := o.input(io.Discard)
	return name, err
}

func diff(ctx context.Context, w io.Writer, hm *helm.Manager, lcm versioned.Interface, res *render.Result, ns, name string) error {
	rendered := map[string]bool{}
	for _, s := range res.Services {
		for _, r := range s.Releases {
			rendered[r.Name] = true
			action, err := hm.Plan(ctx, helm.Release{Name: r.Name, Namespace: r.Namespace, Group: r.Group, Chart: r.Chart, Values: r.Values})
			if err != nil {
				return fmt.Errorf("release %s: %w", r.Name, err)
			}
			fmt.Fprintf(w, "%s (service %s, chart %s): %s\n", r.Name, s.Key, r.Chart, action)
			if action != helm.ActionUpgrade {
				continue
			}
			old, err := hm.GetValues(ctx, r.Namespace, r.Name)
			if err != nil {
				return fmt.Errorf("release %s: %w", r.Name, err)
			}
			oldv, err := normalize(old)
			if err != nil {
				return err
			}
			for _, line := range valueDiff(oldv, r.Values) {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err == nil {
		var gone []string
		for svc, s := range st.Status.Services {
			for _, r := range s.Releases {
				if !rendered[r] {
					gone = append(gone, fmt.Sprintf("%s (service %s): uninstall", r, svc))
				}
			}
		}
		sort.Strings(gone)
		for _, g := range gone {
			fmt.Fprintln(w, g)
		}
	}
	return nil
}

func normalize(v map[string]any) (any, error) {
	return layering.Normalize(v)
}

var sensitive = regexp.MustCompile(`(?i)(password|secret|key|token|kek|passphrase|cert|crt)`)

// valueDiff lists added (+), changed (~) and removed (-) leaf paths.
func valueDiff(oldv, newv any) []string {
	var out []string
	var walk func(path string, a, b any)
	show := func(path string, v any) string {
		if sensitive.MatchString(path) {
			return "(sensitive)"
		}
		s := fmt.Sprint(v)
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return s
	}
	walk = func(path string, a, b any) {
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			keys := map[string]bool{}
			for k := range am {
				keys[k] = true
			}
			for k := range bm {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				p := strings.TrimPrefix(path+"."+k, ".")
				av, ain := am[k]
				bv, bin := bm[k]
				switch {
				case !ain:
					out = append(out, "+ "+p+": "+show(p, bv))
				case !bin:
					out = append(out, "- "+p)
				default:
					walk(p, av, bv)
				}
			}
			return
		}
		if !layering.Equal(a, b) {
			out = append(out, "~ "+path+": "+show(path, a)+" → "+show(path, b))
		}
	}
	walk("", oldv, newv)
	return out
}
