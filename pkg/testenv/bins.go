package testenv

import (
	"fmt"
	"os"
	"path/filepath"
)

// Pinned versions of the cluster binaries; hack/build-cluster-bins.sh uses
// the same defaults.
const (
	KubeVersion = "1.37.2"
	EtcdVersion = "3.7.3"
	KwokVersion = "0.8.0"
	// Gateway API and Envoy Gateway: CRDs only (the app-gateway chart's
	// objects).
	GatewayAPIVersion   = "1.6.3"
	EnvoyGatewayVersion = "1.9.1"
)

// GatewayCRDDir returns the cached directory of the Gateway API
// (experimental channel) and Envoy Gateway CRDs, for Options.CRDDirs.
func GatewayCRDDir() (string, error) {
	d := filepath.Join(CacheDir(), "gateway-crds-v"+GatewayAPIVersion+"-envoy-v"+EnvoyGatewayVersion)
	if _, err := os.Stat(filepath.Join(d, ".ready")); err != nil {
		return "", fmt.Errorf("Gateway API CRDs not found at %s (fetch them with `make test-env` / hack/build-cluster-bins.sh gateway-crds): %w", d, err)
	}
	return d, nil
}

// CacheDir is where hack/build-cluster-bins.sh puts the binaries.
func CacheDir() string {
	if d := os.Getenv("ROCKOON_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "rockoon-go")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "rockoon-go")
}

// BinPath returns the cached path of a cluster binary: kube-apiserver,
// kube-controller-manager, kube-scheduler, kubectl, etcd or kwok. An
// environment variable ROCKOON_<NAME> (upper case, - as _) overrides it.
func BinPath(name string) (string, error) {
	env := "ROCKOON_" + upperUnderscore(name)
	if p := os.Getenv(env); p != "" {
		return p, nil
	}
	var p string
	switch name {
	case "etcd":
		p = filepath.Join(CacheDir(), "etcd-v"+EtcdVersion, "bin", name)
	case "kwok":
		p = filepath.Join(CacheDir(), "kwok-v"+KwokVersion, "bin", name)
	default:
		p = filepath.Join(CacheDir(), "k8s-v"+KubeVersion, "bin", name)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found at %s (set %s, or build it with `make test-env` / hack/build-cluster-bins.sh): %w", name, p, env, err)
	}
	return p, nil
}

func upperUnderscore(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '-':
			b[i] = '_'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
