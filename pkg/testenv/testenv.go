package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

// Options tune an Env. The zero value runs etcd and kube-apiserver with the
// CRDs of the repository's deploy/crds.
type Options struct {
	// CRDDirs are directories of CRD YAML files to install. Default: the
	// deploy/crds directory of the enclosing repository.
	CRDDirs []string
	// NoCRDs skips CRD installation.
	NoCRDs bool
	// GatewayCRDs also installs the cached Gateway API and Envoy Gateway
	// CRDs (GatewayCRDDir), which the app-gateway chart's objects need.
	GatewayCRDs bool
	// ControllerManager also runs kube-controller-manager (garbage
	// collector, workload controllers, service-account tokens).
	ControllerManager bool
	// Scheduler also runs kube-scheduler.
	Scheduler bool
	// Kwok also runs kwok, which makes Nodes annotated
	// kwok.x-k8s.io/node=fake Ready and the pods bound to them Running and
	// Ready, so that workloads really roll out without a container runtime.
	// Use it with ControllerManager and Scheduler; FakeNode creates a node.
	Kwok bool
	// KwokPodDelay is how long kwok takes to make a pod Ready, and a Job's
	// pod complete (up to a quarter more, jittered): zero (the default,
	// for tests) does it at once; a few seconds makes a demo's rollout
	// look like a real one.
	KwokPodDelay time.Duration
	// Output receives the processes' logs; default: discarded (the tail is
	// kept for error messages). Set ROCKOON_TESTENV_VERBOSE=1 for stderr.
	Output io.Writer
	// StartTimeout bounds the start of each process; default 60s.
	StartTimeout time.Duration
}

// Env is a running control plane.
type Env struct {
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// Dir holds certificates, kubeconfigs and etcd data; removed by Stop.
	Dir string
	// KubeconfigPath is an admin kubeconfig file for Config.
	KubeconfigPath string

	ca        *ca
	processes []*process
}

// New starts an Env for one test and stops it when the test ends.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(env.Stop)
	return env
}

// Start launches etcd and kube-apiserver (and the optional components),
// installs the CRDs and returns when everything is ready. On error nothing is
// left running.
func Start(ctx context.Context, opts Options) (_ *Env, err error) {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.Output == nil {
		opts.Output = io.Discard
		if os.Getenv("ROCKOON_TESTENV_VERBOSE") != "" {
			opts.Output = os.Stderr
		}
	}
	apiserverBin, err := BinPath("kube-apiserver")
	if err != nil {
		return nil, err
	}
	etcdBin, err := BinPath("etcd")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rockoon-testenv-")
	if err != nil {
		return nil, err
	}
	env := &Env{Dir: dir}
	defer func() {
		if err != nil {
			env.Stop()
		}
	}()
	if env.ca, err = newCA(); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	if err := env.startEtcd(ctx, opts, etcdBin, etcdURL, ports[1]); err != nil {
		return nil, err
	}
	if err := env.startAPIServer(ctx, opts, apiserverBin, etcdURL, ports[2]); err != nil {
		return nil, err
	}
	if opts.ControllerManager {
		if err := env.startControllerManager(ctx, opts); err != nil {
			return nil, err
		}
	}
	if opts.Scheduler {
		if err := env.startScheduler(ctx, opts); err != nil {
			return nil, err
		}
	}
	if opts.Kwok {
		if err := env.startKwok(ctx, opts); err != nil {
			return nil, err
		}
	}
	if !opts.NoCRDs {
		dirs := opts.CRDDirs
		if len(dirs) == 0 {
			d, err := RepoCRDDir()
			if err != nil {
				return nil, err
			}
			dirs = []string{d}
		}
		if opts.GatewayCRDs {
			d, err := GatewayCRDDir()
			if err != nil {
				return nil, err
			}
			dirs = append(dirs, d)
		}
		if err := InstallCRDs(ctx, env.Config, dirs...); err != nil {
			return nil, err
		}
	}
	return env, nil
}

func (e *Env) startEtcd(ctx context.Context, opts Options, bin, clientURL string, peerPort int) error {
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	return e.launch(ctx, opts, "etcd", bin, []string{
		"--name=testenv",
		"--data-dir=" + filepath.Join(e.Dir, "etcd"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=testenv=" + peerURL,
		"--unsafe-no-fsync=true",
		// Room for the memory benchmarks (GiBs of large Secrets).
		"--quota-backend-bytes=8589934592",
		"--log-level=warn",
	}, clientURL+"/health", http.DefaultClient)
}

// launch starts a process and, when health is set, waits until that URL
// answers 200.
func (e *Env) launch(ctx context.Context, opts Options, name, bin string, args []string, health string, hc *http.Client) error {
	p, err := startProcess(name, bin, args, opts.Output)
	if err != nil {
		return err
	}
	e.processes = append(e.processes, p)
	if health == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	return poll(ctx, p, 100*time.Millisecond, func(ctx context.Context) bool {
		return httpOK(ctx, hc, health)
	})
}

func (e *Env) startAPIServer(ctx context.Context, opts Options, bin, etcdURL string, port int) error {
	servingCert, servingKey, err := e.ca.issue("kube-apiserver", nil, true)
	if err != nil {
		return err
	}
	saKey, err := rsaKeyPEM()
	if err != nil {
		return err
	}
	token := randomToken()
	files := map[string][]byte{
		"ca.crt":      e.ca.certPEM,
		"serving.crt": servingCert,
		"serving.key": servingKey,
		"sa.key":      saKey,
		"tokens.csv":  []byte(token + ",admin,admin-uid,system:masters\n"),
	}
	for name, data := range files {
		if err := writeFile(filepath.Join(e.Dir, name), data); err != nil {
			return err
		}
	}
	p, err := startProcess("kube-apiserver", bin, []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(e.Dir, "apiserver-certs"),
		"--tls-cert-file=" + filepath.Join(e.Dir, "serving.crt"),
		"--tls-private-key-file=" + filepath.Join(e.Dir, "serving.key"),
		"--client-ca-file=" + filepath.Join(e.Dir, "ca.crt"),
		"--token-auth-file=" + filepath.Join(e.Dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(e.Dir, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(e.Dir, "sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		"--endpoint-reconciler-type=none",
	}, opts.Output)
	if err != nil {
		return err
	}
	e.processes = append(e.processes, p)
	e.Config = &rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", port),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: e.ca.certPEM},
		QPS:             1000,
		Burst:           2000,
	}
	e.KubeconfigPath = filepath.Join(e.Dir, "admin.kubeconfig")
	if err := WriteKubeconfig(e.Config, e.KubeconfigPath); err != nil {
		return err
	}
	hc, err := rest.HTTPClientFor(e.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := poll(ctx, p, 200*time.Millisecond, func(ctx context.Context) bool {
		return httpOK(ctx, hc, e.Config.Host+"/readyz")
	}); err != nil {
		return err
	}
	// The default namespace is created by a post-start hook shortly after
	// readiness; tests expect it.
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return err
	}
	return poll(ctx, p, 100*time.Millisecond, func(ctx context.Context) bool {
		_, err := cs.CoreV1().Namespaces().Get(ctx, metav1.NamespaceDefault, metav1.GetOptions{})
		return err == nil
	})
}

func (e *Env) startControllerManager(ctx context.Context, opts Options) error {
	bin, err := BinPath("kube-controller-manager")
	if err != nil {
		return err
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS()}}
	return e.launch(ctx, opts, "kube-controller-manager", bin, []string{
		"--kubeconfig=" + e.KubeconfigPath,
		"--authentication-kubeconfig=" + e.KubeconfigPath,
		"--authorization-kubeconfig=" + e.KubeconfigPath,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ports[0]),
		"--cert-dir=" + filepath.Join(e.Dir, "kcm-certs"),
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file=" + filepath.Join(e.Dir, "sa.key"),
		"--root-ca-file=" + filepath.Join(e.Dir, "ca.crt"),
		"--controllers=*,-node-ipam-controller,-persistentvolume-attach-detach-controller,-persistentvolume-expander-controller,-ttl-controller",
	}, fmt.Sprintf("https://127.0.0.1:%d/healthz", ports[0]), hc)
}

func (e *Env) startScheduler(ctx context.Context, opts Options) error {
	bin, err := BinPath("kube-scheduler")
	if err != nil {
		return err
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS()}}
	return e.launch(ctx, opts, "kube-scheduler", bin, []string{
		"--kubeconfig=" + e.KubeconfigPath,
		"--authentication-kubeconfig=" + e.KubeconfigPath,
		"--authorization-kubeconfig=" + e.KubeconfigPath,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ports[0]),
		"--leader-elect=false",
	}, fmt.Sprintf("https://127.0.0.1:%d/healthz", ports[0]), hc)
}

func (e *Env) startKwok(ctx context.Context, opts Options) error {
	bin, err := BinPath("kwok")
	if err != nil {
		return err
	}
	// The Stage configurations (nodes Ready at once, pods Running and Ready
	// at once, completed and deleted) sit beside the binary, from the same
	// pinned module (hack/build-cluster-bins.sh).
	stages, err := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(bin)), "stages", "*.yaml"))
	if err != nil || len(stages) == 0 {
		return fmt.Errorf("kwok stages not found beside %s: rebuild it with hack/build-cluster-bins.sh kwok", bin)
	}
	if opts.KwokPodDelay > 0 {
		if stages, err = delayedStages(stages, e.Dir, opts.KwokPodDelay); err != nil {
			return err
		}
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	return e.launch(ctx, opts, "kwok", bin, []string{
		"--kubeconfig=" + e.KubeconfigPath,
		"--config=" + strings.Join(stages, ","),
		"--manage-nodes-with-annotation-selector=" + KwokNodeAnnotation + "=fake",
		"--server-address=127.0.0.1:" + strconv.Itoa(ports[0]),
		"--cidr=10.244.0.0/16",
		"--node-ip=127.0.0.1",
	}, fmt.Sprintf("http://127.0.0.1:%d/healthz", ports[0]), http.DefaultClient)
}

// delayedStages copies the pod stages into dir with a delay before kwok
// acts (the Stage's spec.delay), and returns the stage files to use.
func delayedStages(stages []string, dir string, delay time.Duration) ([]string, error) {
	out := make([]string, 0, len(stages))
	for _, path := range stages {
		base := filepath.Base(path)
		if base != "pod-ready.yaml" && base != "pod-complete.yaml" {
			out = append(out, path)
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		text := string(data)
		if !strings.Contains(text, "\n  next:\n") || strings.Contains(text, "\n  delay:\n") {
			return nil, fmt.Errorf("kwok stage %s: no spec.next to put a delay before, or a delay already", path)
		}
		text = strings.Replace(text, "\n  next:\n", fmt.Sprintf("\n  delay:\n    durationMilliseconds: %d\n    jitterDurationMilliseconds: %d\n  next:\n",
			delay.Milliseconds(), (delay+delay/4).Milliseconds()), 1)
		dst := filepath.Join(dir, "kwok-"+base)
		if err := os.WriteFile(dst, []byte(text), 0o600); err != nil {
			return nil, err
		}
		out = append(out, dst)
	}
	return out, nil
}

// KwokNodeAnnotation marks the nodes kwok manages.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// FakeNode creates a Node that kwok (Options.Kwok) keeps Ready, with the
// given labels.
func (e *Env) FakeNode(ctx context.Context, name string, labels map[string]string) (*corev1.Node, error) {
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return nil, err
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      labels,
			Annotations: map[string]string{KwokNodeAnnotation: "fake"},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("32"),
				corev1.ResourceMemory: resource.MustParse("256Gi"),
				corev1.ResourcePods:   resource.MustParse("250"),
			},
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("32"),
				corev1.ResourceMemory: resource.MustParse("256Gi"),
				corev1.ResourcePods:   resource.MustParse("250"),
			},
		},
	}
	return cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
}

// LocalVolumes creates n PersistentVolumes of storage class class
// (hostPath, 100Gi, any access mode), bound by kube-controller-manager to
// the claims of that class: no provisioner runs in this cluster.
func (e *Env) LocalVolumes(ctx context.Context, class string, n int) error {
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return err
	}
	for i := range n {
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", class, i)},
			Spec: corev1.PersistentVolumeSpec{
				StorageClassName:       class,
				Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("100Gi")},
				AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadWriteMany, corev1.ReadOnlyMany},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: fmt.Sprintf("/tmp/%s-%d", class, i)}},
			},
		}
		if _, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating PersistentVolume %s: %w", pv.Name, err)
		}
	}
	return nil
}

// Stop ends every process (apiserver first) and removes Dir. It is safe to
// call more than once.
func (e *Env) Stop() {
	for i := len(e.processes) - 1; i >= 0; i-- {
		e.processes[i].stop(10 * time.Second)
	}
	e.processes = nil
	if e.Dir != "" {
		_ = os.RemoveAll(e.Dir)
	}
}

// UserConfig returns a client config authenticated as user with groups, by
// a client certificate signed by the env's CA. RBAC decides what it may do.
func (e *Env) UserConfig(user string, groups ...string) (*rest.Config, error) {
	certPEM, keyPEM, err := e.ca.issue(user, groups, false)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host: e.Config.Host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   e.ca.certPEM,
			CertData: certPEM,
			KeyData:  keyPEM,
		},
		QPS:   e.Config.QPS,
		Burst: e.Config.Burst,
	}, nil
}

// WriteKubeconfig writes cfg as a kubeconfig file.
func WriteKubeconfig(cfg *rest.Config, path string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["testenv"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["testenv"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken, ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "testenv", Namespace: metav1.NamespaceDefault}
	kc.CurrentContext = "testenv"
	return clientcmd.WriteToFile(*kc, path)
}

// RepoCRDDir finds deploy/crds in the working directory or a parent.
func RepoCRDDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, "deploy", "crds")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("deploy/crds not found in the working directory or its parents")
		}
		dir = parent
	}
}

// InstallCRDs creates or updates the CRDs in the YAML files of dirs and
// waits until each is established and served.
func InstallCRDs(ctx context.Context, cfg *rest.Config, dirs ...string) error {
	client, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	var names []string
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			for _, doc := range strings.Split(string(data), "\n---") {
				if strings.TrimSpace(doc) == "" {
					continue
				}
				crd := &apiextensionsv1.CustomResourceDefinition{}
				if err := yaml.UnmarshalStrict([]byte(doc), crd); err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				if err := applyCRD(ctx, client, crd); err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				names = append(names, crd.Name)
			}
		}
	}
	for _, name := range names {
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			crd, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
					return servedInDiscovery(client, crd), nil
				}
			}
			return false, nil
		}); err != nil {
			return fmt.Errorf("CRD %s not established: %w", name, err)
		}
	}
	return nil
}

func applyCRD(ctx context.Context, client apiextensionsclient.Interface, crd *apiextensionsv1.CustomResourceDefinition) error {
	crds := client.ApiextensionsV1().CustomResourceDefinitions()
	existing, err := crds.Get(ctx, crd.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = crds.Create(ctx, crd, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	crd.ResourceVersion = existing.ResourceVersion
	_, err = crds.Update(ctx, crd, metav1.UpdateOptions{})
	return err
}

func servedInDiscovery(client apiextensionsclient.Interface, crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		list, err := client.Discovery().ServerResourcesForGroupVersion(crd.Spec.Group + "/" + v.Name)
		if err != nil {
			return false
		}
		found := false
		for _, r := range list.APIResources {
			if r.Name == crd.Spec.Names.Plural {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
