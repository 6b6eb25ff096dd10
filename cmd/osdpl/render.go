package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/templates"
)

type renderOptions struct {
	file          string
	outputDir     string
	output        string
	kubeconfig    string
	namespace     string
	imagesBaseURL string
	binaryBaseURL string
	// cephKeys is the data of the openstack-ceph-keys Secret (file or cluster).
	cephKeys            map[string][]byte
	cephSharedNamespace string
}

func (o *renderOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.file, "filename", "f", "", "OpenStackDeployment YAML (may also hold the value_from Secrets and the Ceph exchange Secret openstack-ceph-keys)")
	cmd.Flags().StringVar(&o.kubeconfig, "kubeconfig", "", "Read the credential and value_from Secrets of the cluster (read-only); placeholders otherwise")
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "", "Namespace of the cloud (default: the object's, else openstack)")
	cmd.Flags().StringVar(&o.imagesBaseURL, "images-base-url", defaultImagesBaseURL(), "Default images base URL (spec.artifacts wins)")
	cmd.Flags().StringVar(&o.binaryBaseURL, "binary-base-url", defaultBinaryBaseURL(), "Default binaries base URL (spec.artifacts wins)")
	cmd.Flags().StringVar(&o.cephSharedNamespace, "ceph-shared-namespace", envOr("OSCTL_CEPH_SHARED_NAMESPACE", ceph.SharedNamespace), "With --kubeconfig: namespace of the Ceph exchange Secret openstack-ceph-keys; env OSCTL_CEPH_SHARED_NAMESPACE")
	_ = cmd.MarkFlagRequired("filename")
}

func newRenderCommand() *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render -f osdpl.yaml",
		Short: "Print the final Helm values of every release, offline",
		Long: "render builds the merged spec of an OpenStackDeployment and renders every enabled service,\n" +
			"printing per release its chart, namespace and final values. Without --kubeconfig it needs no\n" +
			"cluster: credentials and value_from Secrets not in the file are deterministic placeholders.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, ns, err := o.render(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return writeReleases(cmd.OutOrStdout(), res, ns, o.output, o.outputDir)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.outputDir, "output-dir", "", "Write one <release>.yaml file per release into this directory")
	cmd.Flags().StringVarP(&o.output, "output", "o", "yaml", "Output format: yaml or json")
	return cmd
}

// input reads the file: the OpenStackDeployment's spec, namespace and
// name, and the labelled Secrets it holds.
func (o *renderOptions) input(warn io.Writer) (spec map[string]any, name, ns string, secrets map[string]map[string][]byte, err error) {
	data, err := os.ReadFile(o.file)
	if err != nil {
		return nil, "", "", nil, err
	}
	secrets = map[string]map[string][]byte{}
	found := 0
	for i, doc := range splitYAML(data) {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, "", "", nil, fmt.Errorf("%s: document %d: %w", o.file, i+1, err)
		}
		var head struct {
			Kind     string            `json:"kind"`
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(j, &head); err != nil {
			return nil, "", "", nil, fmt.Errorf("%s: document %d: %w", o.file, i+1, err)
		}
		switch head.Kind {
		case "OpenStackDeployment":
			found++
			v, err := layering.FromJSON(j)
			if err != nil {
				return nil, "", "", nil, err
			}
			spec, _ = v.(map[string]any)["spec"].(map[string]any)
			name, ns = head.Metadata.Name, head.Metadata.Namespace
		case "Secret":
			var s corev1.Secret
			if err := json.Unmarshal(j, &s); err != nil {
				return nil, "", "", nil, fmt.Errorf("%s: Secret %s: %w", o.file, head.Metadata.Name, err)
			}
			data := s.Data
			for k, v := range s.StringData {
				if data == nil {
					data = map[string][]byte{}
				}
				data[k] = []byte(v)
			}
			if s.Name == ceph.KeysSecret {
				// The Ceph exchange Secret (Ceph-backed services).
				o.cephKeys = data
				continue
			}
			if s.Labels[osdpl.SecretLabel] != "true" {
				fmt.Fprintf(warn, "warning: Secret %s lacks label %s=true: value_from ignores it\n", s.Name, osdpl.SecretLabel)
				continue
			}
			secrets[s.Name] = data
		}
	}
	if found != 1 || spec == nil {
		return nil, "", "", nil, fmt.Errorf("%s: want exactly one OpenStackDeployment with a spec, found %d", o.file, found)
	}
	if o.namespace != "" {
		ns = o.namespace
	}
	if ns == "" {
		ns = "openstack"
	}
	return spec, name, ns, secrets, nil
}

func (o *renderOptions) render(ctx context.Context, warn io.Writer) (*render.Result, string, error) {
	spec, name, ns, secrets, err := o.input(warn)
	if err != nil {
		return nil, "", err
	}
	in := render.Input{Spec: spec, Namespace: ns, ImagesBaseURL: o.imagesBaseURL, BinaryBaseURL: o.binaryBaseURL}
	r := &render.Renderer{Templates: templates.New(), Store: render.PlaceholderStore{}}
	if o.kubeconfig != "" {
		kube, err := kubeClient(o.kubeconfig)
		if err != nil {
			return nil, "", err
		}
		r.Store = render.ReadOnlyStore{Client: kube, Namespace: ns}
		list, err := kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: osdpl.SecretLabel + "=true"})
		if err != nil {
			return nil, "", err
		}
		for _, s := range list.Items {
			if _, inFile := secrets[s.Name]; !inFile {
				secrets[s.Name] = s.Data
			}
		}
		if o.cephKeys == nil {
			s, err := kube.CoreV1().Secrets(o.cephSharedNamespace).Get(ctx, ceph.KeysSecret, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				// No Ceph in this cluster (yet), as the controller sees it.
			case err != nil:
				return nil, "", fmt.Errorf("reading Secret %s/%s: %w", o.cephSharedNamespace, ceph.KeysSecret, err)
			default:
				o.cephKeys = s.Data
			}
		}
		if cm, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, name+"-artifacts", metav1.GetOptions{}); err == nil {
			if doc, ok := cm.Data[fmt.Sprint(spec["openstack_version"])]; ok {
				if err := yaml.Unmarshal([]byte(doc), &in.ArtifactOverrides); err != nil {
					return nil, "", fmt.Errorf("ConfigMap %s-artifacts: %w", name, err)
				}
			}
		}
	}
	in.Secrets = render.PlaceholderSecrets(spec, secrets)
	switch {
	case o.cephKeys != nil:
		if in.CephKeys, err = ceph.ParseKeys(o.cephKeys); err != nil {
			return nil, "", err
		}
	case o.kubeconfig == "":
		// Offline, like every other credential: deterministic placeholders.
		in.CephKeys = ceph.Placeholder()
	}
	res, err := r.Render(ctx, in)
	if err != nil {
		return nil, "", err
	}
	if len(res.Untemplated) > 0 {
		fmt.Fprintf(warn, "note: services without a template in this version, not rendered: %s\n", strings.Join(res.Untemplated, ", "))
	}
	return res, ns, nil
}

func kubeClient(kubeconfig string) (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "rockoon-osdpl-cli"
	return kubernetes.NewForConfig(cfg)
}

// releaseDoc is one rendered release as printed.
type releaseDoc struct {
	Release   string         `json:"release"`
	Service   string         `json:"service"`
	Chart     string         `json:"chart"`
	Group     string         `json:"group"`
	Namespace string         `json:"namespace"`
	Values    map[string]any `json:"values"`
}

func docs(res *render.Result) []releaseDoc {
	var out []releaseDoc
	for _, s := range res.Services {
		for _, r := range s.Releases {
			out = append(out, releaseDoc{Release: r.Name, Service: s.Key, Chart: r.Chart, Group: r.Group, Namespace: r.Namespace, Values: r.Values})
		}
	}
	return out
}

func writeReleases(w io.Writer, res *render.Result, _ string, format, dir string) error {
	list := docs(res)
	encode := func(v any) ([]byte, error) {
		if format == "json" {
			b, err := json.MarshalIndent(v, "", "  ")
			return append(b, '\n'), err
		}
		return yaml.Marshal(v)
	}
	if format != "yaml" && format != "json" {
		return fmt.Errorf("--output %q: want yaml or json", format)
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		for _, d := range list {
			b, err := encode(d)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, d.Release+"."+format), b, 0o600); err != nil {
				return err
			}
		}
		return nil
	}
	if format == "json" {
		b, err := encode(list)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	for _, d := range list {
		b, err := encode(d)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}

func splitYAML(data []byte) [][]byte {
	var out [][]byte
	for _, doc := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(doc)) > 0 {
			out = append(out, doc)
		}
	}
	return out
}
