package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/redact"
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
			"per release the value paths added, changed and removed. Secrets are printed as " + redact.Mask + "\n" +
			"(as by render; a changed secret shows as a changed leaf, masked on both sides) unless --show-secrets.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.kubeconfig == "" {
				o.kubeconfig = clientcmd.NewDefaultClientConfigLoadingRules().GetDefaultFilename()
			}
			res, ns, red, err := o.render(cmd.Context(), cmd.ErrOrStderr())
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
			return diff(cmd.Context(), cmd.OutOrStdout(), hm, lcm, res, ns, name, red)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&chartsDir, "charts-dir", operator.EnvOr("CHARTS_DIR", "/opt/rockoon/charts"), "Charts directory, laid out as <dir>/{openstack,infra}/<chart>")
	return cmd
}

func (o *renderOptions) objectName() (string, error) {
	_, name, _, _, err := o.input(io.Discard)
	return name, err
}

// diff prints the plan of every release, and the value changes of the
// upgrades, redacted by red (nil: as they are).
func diff(ctx context.Context, w io.Writer, hm *helm.Manager, lcm versioned.Interface, res *render.Result, ns, name string, red *redact.Redactor) error {
	type planned struct {
		head       string
		oldv, newv any
		upgrade    bool
	}
	var plans []planned
	var previous []string
	rendered := map[string]bool{}
	for _, s := range res.Services {
		for _, r := range s.Releases {
			rendered[r.Name] = true
			action, err := hm.Plan(ctx, helm.Release{Name: r.Name, Namespace: r.Namespace, Group: r.Group, Chart: r.Chart, Values: r.Values})
			if err != nil {
				return fmt.Errorf("release %s: %w", r.Name, err)
			}
			p := planned{head: fmt.Sprintf("%s (service %s, chart %s): %s", r.Name, s.Key, r.Chart, action)}
			if action == helm.ActionUpgrade {
				old, err := hm.GetValues(ctx, r.Namespace, r.Name)
				if err != nil {
					return fmt.Errorf("release %s: %w", r.Name, err)
				}
				if p.oldv, err = normalize(old); err != nil {
					return err
				}
				p.newv, p.upgrade = r.Values, true
				// The deployed values may hold former secrets (a changed
				// password): learn them to mask them wherever they are.
				previous = append(previous, red.Previous(p.oldv, p.newv)...)
			}
			plans = append(plans, p)
		}
	}
	if red != nil && len(previous) > 0 {
		red = red.With(previous...)
	}
	for _, p := range plans {
		fmt.Fprintln(w, p.head)
		if !p.upgrade {
			continue
		}
		for _, line := range valueDiff(p.oldv, p.newv, red) {
			fmt.Fprintf(w, "  %s\n", line)
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

// valueDiff lists added (+), changed (~) and removed (-) leaf paths, with
// their values redacted by red (nil: as they are): a whole added or removed
// subtree is redacted, a changed secret shows as a changed leaf masked on
// both sides.
func valueDiff(oldv, newv any, red *redact.Redactor) []string {
	var out []string
	var walk func(path, key string, a, b any)
	show := func(key string, v any) string {
		s := fmt.Sprint(red.ValueAt(key, v))
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return s
	}
	walk = func(path, key string, a, b any) {
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
				ck := k
				if isIndex(k) {
					// fernet keys "0", "1": judged by the key above.
					ck = key
				}
				av, ain := am[k]
				bv, bin := bm[k]
				switch {
				case !ain:
					out = append(out, "+ "+p+": "+show(ck, bv))
				case !bin:
					out = append(out, "- "+p+": "+show(ck, av))
				default:
					walk(p, ck, av, bv)
				}
			}
			return
		}
		if !layering.Equal(a, b) {
			out = append(out, "~ "+path+": "+show(key, a)+" → "+show(key, b))
		}
	}
	walk("", "", oldv, newv)
	return out
}

func isIndex(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
