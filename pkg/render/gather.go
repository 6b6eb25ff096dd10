package render

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

// Sources is where a render's inputs live: the one input gathering of the
// controller and of `osdpl render|diff --kubeconfig`, so both see the same
// cloud.
type Sources struct {
	// Kube reads the cluster; nil renders offline (no value_from Secrets,
	// no Ceph keys, no artifacts ConfigMap).
	Kube kubernetes.Interface
	// CephSharedNamespace holds the Ceph exchange Secret openstack-ceph-keys.
	CephSharedNamespace string
	// ImagesBaseURL and BinaryBaseURL are the controller defaults.
	ImagesBaseURL, BinaryBaseURL string
	// PodNetworks are the cluster's pod networks (ParsePodNetworks); nil:
	// the default.
	PodNetworks []any
	// RedisNamespace holds the Redis password Secret (default
	// openstack-redis); TFSharedNamespace the Tungsten Fabric operator's
	// ost-data Secret (default openstack-tf-shared).
	RedisNamespace, TFSharedNamespace string
	// LMASharedNamespace receives StackLight's integration Secrets
	// (default openstack-lma-shared).
	LMASharedNamespace string
}

// Namespaces and names of the Secrets other operators share with the
// controller, as the original's.
const (
	DefaultRedisNamespace    = "openstack-redis"
	RedisSecret              = "generated-redis-password"
	DefaultTFSharedNamespace = "openstack-tf-shared"
	TFDataSecret             = "ost-data"
)

// DefaultPodNetworks is the default of the pod networks setting (the
// original's OSCTL_POD_NETWORKS_DATA).
const DefaultPodNetworks = `[{"cidr": "192.168.0.0/16"}]`

// ParsePodNetworks parses the pod networks setting: a JSON list of
// {"cidr": "<network>"}, the networks pods of the cluster get addresses
// from (the NetworkPolicies admit them where the original does).
func ParsePodNetworks(s string) ([]any, error) {
	var list []map[string]any
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("pod networks %q: want a JSON list of {\"cidr\": \"<network>\"}: %w", s, err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("pod networks %q: empty", s)
	}
	out := make([]any, 0, len(list))
	for i, n := range list {
		cidr, _ := n["cidr"].(string)
		if _, _, err := net.ParseCIDR(cidr); err != nil {
			return nil, fmt.Errorf("pod networks %q: item %d: cidr: %w", s, i, err)
		}
		out = append(out, map[string]any{"cidr": cidr})
	}
	return out, nil
}

// ErrInvalidInput marks an input the user must fix (retrying does not
// help): a malformed artifacts ConfigMap, a database restore in progress.
var ErrInvalidInput = errors.New("invalid input")

type invalidInput struct{ error }

func (e invalidInput) Is(target error) bool { return target == ErrInvalidInput }
func (e invalidInput) Unwrap() error        { return e.error }

// Gather builds the Input of the OpenStackDeployment name in namespace
// from its spec and the cluster: the value_from Secrets (labelled
// openstack.lcm.mirantis.com/osdpl_secret=true), the Ceph exchange Secret
// (absent: no Ceph yet, and a service that stores on Ceph waits), the
// Redis password and the Tungsten Fabric ost-data Secrets (absent: a
// service that needs them waits) and the <name>-artifacts ConfigMap's
// entry for the spec's openstack_version.
func (s Sources) Gather(ctx context.Context, name, namespace string, spec map[string]any) (Input, error) {
	in := Input{
		Spec: spec, Namespace: namespace, Secrets: map[string]map[string][]byte{},
		ImagesBaseURL: s.ImagesBaseURL, BinaryBaseURL: s.BinaryBaseURL, PodNetworks: s.PodNetworks,
		LMASharedNamespace: s.LMASharedNamespace,
	}
	if s.Kube == nil {
		return in, nil
	}
	secrets, err := s.Kube.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: lcmv1alpha1.OSDPLSecretLabel + "=true"})
	if err != nil {
		return Input{}, fmt.Errorf("listing value_from Secrets: %w", err)
	}
	for _, sec := range secrets.Items {
		in.Secrets[sec.Name] = sec.Data
	}
	keys, err := s.Kube.CoreV1().Secrets(s.CephSharedNamespace).Get(ctx, ceph.KeysSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return Input{}, fmt.Errorf("reading Secret %s/%s: %w", s.CephSharedNamespace, ceph.KeysSecret, err)
	default:
		if in.CephKeys, err = ceph.ParseKeys(keys.Data); err != nil {
			return Input{}, err
		}
	}
	redisNS := cmp.Or(s.RedisNamespace, DefaultRedisNamespace)
	redis, err := s.Kube.CoreV1().Secrets(redisNS).Get(ctx, RedisSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return Input{}, fmt.Errorf("reading Secret %s/%s: %w", redisNS, RedisSecret, err)
	default:
		in.RedisNamespace, in.RedisPassword = redisNS, string(redis.Data["password"])
	}
	tfNS := cmp.Or(s.TFSharedNamespace, DefaultTFSharedNamespace)
	tf, err := s.Kube.CoreV1().Secrets(tfNS).Get(ctx, TFDataSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return Input{}, fmt.Errorf("reading Secret %s/%s: %w", tfNS, TFDataSecret, err)
	default:
		in.TFData = map[string]string{}
		for k, v := range tf.Data {
			in.TFData[k] = string(v)
		}
	}
	lmaNS := cmp.Or(s.LMASharedNamespace, DefaultLMASharedNamespace)
	switch _, err := s.Kube.CoreV1().Namespaces().Get(ctx, lmaNS, metav1.GetOptions{}); {
	case apierrors.IsNotFound(err):
		in.NoLMASharedNamespace = true
	case err != nil:
		return Input{}, fmt.Errorf("reading Namespace %s: %w", lmaNS, err)
	}
	cm, err := s.Kube.CoreV1().ConfigMaps(namespace).Get(ctx, name+"-artifacts", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return Input{}, fmt.Errorf("reading ConfigMap %s-artifacts: %w", name, err)
	default:
		version, _ := spec["openstack_version"].(string)
		if doc, ok := cm.Data[version]; ok {
			if err := yaml.Unmarshal([]byte(doc), &in.ArtifactOverrides); err != nil {
				return Input{}, invalidInput{fmt.Errorf("ConfigMap %s-artifacts key %s: %w", name, version, err)}
			}
		}
	}
	return in, nil
}

// CheckApplicable refuses a spec nothing may be applied for: as the
// original, nothing is applied while a database restore is requested, so
// that no upgrade re-runs the restore Job over a live database.
func CheckApplicable(spec map[string]any) error {
	if restore, _ := layering.Get(spec, "services", "database", "mariadb", "values", "manifests", "job_mariadb_phy_restore").(bool); restore {
		return invalidInput{errors.New("spec.services.database.mariadb.values.manifests.job_mariadb_phy_restore is true: finish the database restore and set it to false; nothing is applied meanwhile")}
	}
	return nil
}

// CheckSupported refuses a merged spec that enables a service its
// openstack_version does not support (catalogue Since/Until, the
// original's admission rules: instance-ha from victoria, metric until
// epoxy, metric-storage from gazpacho, event before xena,
// shared-file-system from yoga), naming every such service and the
// release. The CRD refuses the services a user lists; this catches the
// ones a preset or an upgrade brings. Nothing may be applied then.
func CheckSupported(mspec map[string]any) error {
	version, _ := mspec["openstack_version"].(string)
	v := templates.VersionOrdinal(version)
	var bad []string
	for _, svc := range layering.EnabledServices(mspec) {
		e, ok := catalog.Lookup(svc)
		switch {
		case !ok:
		case e.Since != "" && v < templates.VersionOrdinal(e.Since):
			bad = append(bad, fmt.Sprintf("%s needs %s or later", svc, e.Since))
		case e.Until != "" && v > templates.VersionOrdinal(e.Until):
			bad = append(bad, fmt.Sprintf("%s is supported until %s", svc, e.Until))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return invalidInput{fmt.Errorf("spec.features.services: %s, and openstack_version is %s: remove them; nothing is applied meanwhile", strings.Join(bad, ", "), version)}
}

// Managed drops the services the controller leaves alone, with the
// original's rule for the legacy nginx ingress: it is managed only when
// spec.migration.ingress.state is "present" or the cloud already has it
// (ingressInstalled) and the state is not "absent". New clouds are served
// by app-gateway.
func Managed(mspec map[string]any, ingressInstalled bool, services []Service) []Service {
	state, _ := layering.Get(mspec, "migration", "ingress", "state").(string)
	if state == "present" || (ingressInstalled && state != "absent") {
		return services
	}
	return slices.DeleteFunc(slices.Clone(services), func(s Service) bool { return s.Key == "ingress" })
}
