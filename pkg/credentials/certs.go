package credentials

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Names of the key and certificate Secrets of the compute, load-balancer
// and shared-file-system services (the amphorae's SSH key and CA: the CA
// certificate with its key is also the controllers' client certificate;
// the key of manila's service VMs).
const (
	NovaSSHSecret         = "generated-nova-ssh-creds"
	LibvirtServerTLS      = "libvirt-server-tls-certs"
	LibvirtVNCTLS         = "libvirt-vnc-tls-certs"
	LoadBalancerSSHSecret = "generated-load-balancer-ssh-creds"
	SharedFileSystemSSH   = "generated-shared-file-system-ssh-creds"
	OctaviaAmphoraCerts   = "generated-octavia-amphora-certs"
	OctaviaAmphoraCN      = "octavia-amphora-ca"
	certificateValidity   = 10 * 365 * 24 * time.Hour
	rsaBits               = 2048
	organization          = "Mirantis Inc"
	certificateAuthority  = "Mirantis"
)

// lazy generates a set of related values once, for the fields of one Spec
// (a key pair's halves must belong together).
func lazy(gen func() (map[string]string, error)) func(key string) func() any {
	var once sync.Once
	var vals map[string]string
	return func(key string) func() any {
		return func() any {
			once.Do(func() {
				var err error
				if vals, err = gen(); err != nil {
					panic(fmt.Sprintf("generating keys: %v", err)) // crypto/rand and rsa do not fail
				}
			})
			return vals[key]
		}
	}
}

// SSHKeys is a Secret with an RSA 2048 key pair: private (PEM, traditional
// OpenSSL form) and public (OpenSSH authorized_keys form), as the
// original's generated-*-ssh-creds.
func SSHKeys(name string) Spec {
	f := lazy(func() (map[string]string, error) {
		key, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return nil, err
		}
		pub, err := ssh.NewPublicKey(&key.PublicKey)
		if err != nil {
			return nil, err
		}
		return map[string]string{
			"private": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
			"public":  string(ssh.MarshalAuthorizedKey(pub)),
		}, nil
	})
	return Spec{Name: name, Atomic: true, Fields: []Field{
		{Key: "private", Generate: f("private"), Opaque: true}, {Key: "public", Generate: f("public"), Opaque: true},
	}}
}

// SelfSignedCA is a Secret with a self-signed CA certificate (CN cn, 10
// years, server and client use): cert, key and cert_all (cert + key), as
// the original's libvirt-server-tls-certs.
func SelfSignedCA(name, cn string) Spec {
	f := lazy(func() (map[string]string, error) {
		cert, key, _, _, err := newCertificate(cn, nil, true, nil, nil)
		if err != nil {
			return nil, err
		}
		return map[string]string{"cert": cert, "key": key, "cert_all": cert + key}, nil
	})
	return Spec{Name: name, Atomic: true, Fields: []Field{
		{Key: "cert", Generate: f("cert"), Opaque: true}, {Key: "key", Generate: f("key"), Opaque: true},
		{Key: "cert_all", Generate: f("cert_all"), Opaque: true},
	}}
}

// CertificatePack is a Secret with a CA (CN Mirantis) and a server and a
// client certificate signed by it (CN cn, SAN dnsName): ca_cert, ca_key,
// server_cert, server_key, client_cert, client_key, as the original's
// libvirt-vnc-tls-certs.
func CertificatePack(name, cn, dnsName string) Spec {
	f := lazy(func() (map[string]string, error) {
		caCert, caKey, ca, caPriv, err := newCertificate(certificateAuthority, nil, true, nil, nil)
		if err != nil {
			return nil, err
		}
		out := map[string]string{"ca_cert": caCert, "ca_key": caKey}
		for _, role := range []string{"server", "client"} {
			cert, key, _, _, err := newCertificate(cn, []string{dnsName}, false, ca, caPriv)
			if err != nil {
				return nil, err
			}
			out[role+"_cert"], out[role+"_key"] = cert, key
		}
		return out, nil
	})
	var fields []Field
	for _, k := range []string{"ca_cert", "ca_key", "server_cert", "server_key", "client_cert", "client_key"} {
		fields = append(fields, Field{Key: k, Generate: f(k), Opaque: true})
	}
	return Spec{Name: name, Atomic: true, Fields: fields}
}

// newCertificate creates a certificate and its RSA key, self-signed when
// parent is nil; PEM-encoded.
func newCertificate(cn string, dnsNames []string, isCA bool, parent *x509.Certificate, parentKey *rsa.PrivateKey) (string, string, *x509.Certificate, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return "", "", nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", "", nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Country: []string{"US"}, Province: []string{"CA"}, Locality: []string{"San Francisco"},
			Organization: []string{organization}, CommonName: cn,
		},
		DNSNames:              dnsNames,
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certificateValidity),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if isCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return "", "", nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", "", nil, nil, err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		cert, key, nil
}
