package credentials

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"golang.org/x/crypto/ssh"
)

func generate(spec Spec) map[string]string {
	out := map[string]string{}
	for _, f := range spec.Fields {
		out[f.Key] = f.Generate().(string)
	}
	return out
}

func parseCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatalf("not a PEM certificate: %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func parseKey(t *testing.T, s string) *rsa.PrivateKey {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "RSA PRIVATE KEY" {
		t.Fatalf("not a traditional RSA PEM key")
	}
	k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSSHKeysBelongTogether(t *testing.T) {
	v := generate(SSHKeys(NovaSSHSecret))
	key := parseKey(t, v["private"])
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(v["public"]))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ssh.NewPublicKey(&key.PublicKey)
	if string(pub.Marshal()) != string(want.Marshal()) || key.N.BitLen() != 2048 {
		t.Error("the public key is not the private key's")
	}
}

func TestSelfSignedCA(t *testing.T) {
	v := generate(SelfSignedCA(LibvirtServerTLS, "libvirt-server"))
	c := parseCert(t, v["cert"])
	if !c.IsCA || c.Subject.CommonName != "libvirt-server" || c.CheckSignatureFrom(c) != nil {
		t.Errorf("CA %v", c.Subject)
	}
	if parseKey(t, v["key"]).PublicKey.N.Cmp(c.PublicKey.(*rsa.PublicKey).N) != 0 || v["cert_all"] != v["cert"]+v["key"] {
		t.Error("key or cert_all do not match the certificate")
	}
}

func TestCertificatePackIsSignedByItsCA(t *testing.T) {
	v := generate(CertificatePack(LibvirtVNCTLS, "*.cloud.example.test", "*.cluster.local"))
	ca := parseCert(t, v["ca_cert"])
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, role := range []string{"server", "client"} {
		c := parseCert(t, v[role+"_cert"])
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, DNSName: "vnc.cluster.local", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s certificate: %v", role, err)
		}
		if parseKey(t, v[role+"_key"]).PublicKey.N.Cmp(c.PublicKey.(*rsa.PublicKey).N) != 0 {
			t.Errorf("%s key does not match", role)
		}
	}
}
