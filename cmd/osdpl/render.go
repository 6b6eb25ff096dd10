package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/redact"
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
	podNetworks         string
	// showSecrets prints the real values instead of masking them.
	showSecrets bool
}

func (o *renderOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.file, "filename", "f", "", "OpenStackDeployment YAML (may also hold the value_from Secrets and the Ceph exchange Secret openstack-ceph-keys)")
	cmd.Flags().StringVar(&o.kubeconfig, "kubeconfig", "", "Read the credential and value_from Secrets of the cluster (read-only); placeholders otherwise")
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "", "Namespace of the cloud (default: the object's, else openstack)")
	cmd.Flags().StringVar(&o.imagesBaseURL, "images-base-url", defaultImagesBaseURL(), "Default images base URL (spec.artifacts wins)")
	cmd.Flags().StringVar(&o.binaryBaseURL, "binary-base-url", defaultBinaryBaseURL(), "Default binaries base URL (spec.artifacts wins)")
	cmd.Flags().StringVar(&o.cephSharedNamespace, "ceph-shared-namespace", operator.EnvOr("OSCTL_CEPH_SHARED_NAMESPACE", ceph.SharedNamespace), "With --kubeconfig: namespace of the Ceph exchange Secret openstack-ceph-keys; env OSCTL_CEPH_SHARED_NAMESPACE")
	cmd.Flags().StringVar(&o.podNetworks, "pod-networks", operator.EnvOr("OSCTL_POD_NETWORKS_DATA", render.DefaultPodNetworks), "The cluster's pod networks, a JSON list of {\"cidr\": ...}; env OSCTL_POD_NETWORKS_DATA")
	cmd.Flags().BoolVar(&o.showSecrets, "show-secrets", false, "Print the real values of credentials and other secrets instead of "+redact.Mask)
	_ = cmd.MarkFlagRequired("filename")
}

func newRenderCommand() *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render -f osdpl.yaml",
		Short: "Print the final Helm values of every release, offline",
		Long: "render builds the merged spec of an OpenStackDeployment and renders every enabled service,\n" +
			"printing per release its chart, namespace and final values. Without --kubeconfig it needs no\n" +
			"cluster: credentials and value_from Secrets not in the file are deterministic placeholders.\n" +
			"Every value of a credential, value_from or Ceph key Secret, and every value under a\n" +
			"secret-looking key (password, secret, token, private key, ...) or in a URL's password, is\n" +
			"printed as " + redact.Mask + ", unless --show-secrets.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, ns, red, err := o.render(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return writeReleases(cmd.OutOrStdout(), res, ns, red, o.output, o.outputDir)
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
			if s.Labels[lcmv1alpha1.OSDPLSecretLabel] != "true" {
				fmt.Fprintf(warn, "warning: Secret %s lacks label %s=true: value_from ignores it\n", s.Name, lcmv1alpha1.OSDPLSecretLabel)
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

// recordingStore is a render.Store that remembers the secret strings of
// every credential Secret the render reads (or makes up as placeholders),
// for the Redactor.
type recordingStore struct {
	render.Store
	mu      sync.Mutex
	secrets []string
}

func (s *recordingStore) record(data ...map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range data {
		s.secrets = append(s.secrets, redact.SecretData(d)...)
	}
}

// Secret implements render.Store.
func (s *recordingStore) Secret(ctx context.Context, spec credentials.Spec) (map[string][]byte, error) {
	data, err := s.Store.Secret(ctx, spec)
	s.record(data)
	return data, err
}

// Pair implements render.Store.
func (s *recordingStore) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	pair, err := s.Store.Pair(ctx, spec)
	s.record(pair[0], pair[1])
	return pair, err
}

// render renders the file. The Redactor knows every secret string the
// render used (credential Secrets, value_from Secrets, Ceph keys); it is
// nil, masking nothing, with --show-secrets.
func (o *renderOptions) render(ctx context.Context, warn io.Writer) (*render.Result, string, *redact.Redactor, error) {
	res, ns, known, err := o.renderKnown(ctx, warn)
	if err != nil || o.showSecrets {
		return res, ns, nil, err
	}
	return res, ns, redact.New(known), nil
}

// renderKnown renders the file and returns the secret strings it used.
func (o *renderOptions) renderKnown(ctx context.Context, warn io.Writer) (*render.Result, string, []string, error) {
	spec, name, ns, secrets, err := o.input(warn)
	if err != nil {
		return nil, "", nil, err
	}
	podNetworks, err := render.ParsePodNetworks(o.podNetworks)
	if err != nil {
		return nil, "", nil, fmt.Errorf("--pod-networks: %w", err)
	}
	src := render.Sources{CephSharedNamespace: o.cephSharedNamespace, ImagesBaseURL: o.imagesBaseURL, BinaryBaseURL: o.binaryBaseURL, PodNetworks: podNetworks}
	store := &recordingStore{Store: render.PlaceholderStore{}}
	r := &render.Renderer{Templates: templates.New(), Store: store}
	ingressInstalled := false
	if o.kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
		if err != nil {
			return nil, "", nil, err
		}
		cfg.UserAgent = "rockoon-osdpl-cli"
		if src.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
			return nil, "", nil, err
		}
		lcm, err := versioned.NewForConfig(cfg)
		if err != nil {
			return nil, "", nil, err
		}
		store.Store = render.ReadOnlyStore{Client: src.Kube, Namespace: ns}
		st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, "", nil, fmt.Errorf("reading OpenStackDeploymentStatus %s/%s: %w", ns, name, err)
		default:
			_, ingressInstalled = st.Status.Services["ingress"]
		}
	}
	// The controller's own input gathering; what the file holds wins.
	in, err := src.Gather(ctx, name, ns, spec)
	if err != nil {
		return nil, "", nil, err
	}
	maps.Copy(in.Secrets, secrets)
	secrets = in.Secrets
	in.Secrets = render.PlaceholderSecrets(spec, secrets)
	if err := render.CheckApplicable(spec); err != nil {
		return nil, "", nil, err
	}
	switch {
	case o.cephKeys != nil:
		if in.CephKeys, err = ceph.ParseKeys(o.cephKeys); err != nil {
			return nil, "", nil, err
		}
	case o.kubeconfig == "":
		// Offline, like every other credential: deterministic placeholders.
		in.CephKeys = ceph.Placeholder()
	}
	if o.kubeconfig == "" {
		// The Secrets of the redis service and the Tungsten Fabric
		// operator, offline: placeholders too (no octavia health manager
		// addresses).
		in.RedisPassword = render.PlaceholderRedisPassword
		in.TFData = map[string]string{}
	}
	res, err := r.Render(ctx, in)
	if err != nil {
		return nil, "", nil, err
	}
	if err := render.CheckSupported(res.MSpec); err != nil {
		return nil, "", nil, err
	}
	res.Services = render.Managed(res.MSpec, ingressInstalled, res.Services)
	if len(res.Untemplated) > 0 {
		fmt.Fprintf(warn, "note: services without a template in this version, not rendered: %s\n", strings.Join(res.Untemplated, ", "))
	}
	known := append([]string(nil), store.secrets...)
	for _, data := range in.Secrets {
		known = append(known, redact.SecretData(data)...)
	}
	if in.RedisPassword != "" {
		known = append(known, in.RedisPassword)
	}
	if k := in.CephKeys; k != nil {
		known = append(known, k.AdminKey)
		for _, u := range k.Users {
			known = append(known, u.Key)
		}
	}
	return res, ns, known, nil
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

// docs lists the releases, their values redacted by red (nil: as they are).
func docs(res *render.Result, red *redact.Redactor) []releaseDoc {
	var out []releaseDoc
	for _, s := range res.Services {
		for _, r := range s.Releases {
			out = append(out, releaseDoc{Release: r.Name, Service: s.Key, Chart: r.Chart, Group: r.Group, Namespace: r.Namespace, Values: red.Values(r.Values)})
		}
	}
	return out
}

func writeReleases(w io.Writer, res *render.Result, _ string, red *redact.Redactor, format, dir string) error {
	list := docs(res, red)
	encode := func(v any) ([]byte, error) {
		if format == "json" {
			// Not HTML-escaped: the mask reads <redacted>, not \u003credacted\u003e.
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			err := enc.Encode(v)
			return b.Bytes(), err
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
