package ceph

import (
	"fmt"

	"rockoon.dev/rockoon/pkg/layering"
)

// The cloud's half of the exchange: the Keystone credentials of the RGW.
const (
	// RGWCredsSecret is written by the cloud into the shared namespace,
	// read by the Ceph side (its RGW validates Keystone tokens with it).
	RGWCredsSecret = "openstack-rgw-creds"
	// RGWAccount is the RGW's Keystone account, in the identity field of
	// the object-storage service's pair (generated-object-storage-passwords).
	RGWAccount = "ceph-rgw"
	// ObjectStorage is the service key that makes the cloud publish it.
	ObjectStorage = "object-storage"
)

// RGWCredsKeys are the keys of RGWCredsSecret, exactly: the Ceph side's
// reader refuses any other (reference rockoon-sidecars §8).
var RGWCredsKeys = []string{
	"auth_url", "username", "password",
	"default_domain", "project_domain_name", "project_name", "user_domain_name",
	"interface", "region_name",
	"public_domain", "ca_cert", "tls_crt", "tls_key",
	"barbican_url",
}

// RGWCreds is the data of RGWCredsSecret for the cloud in namespace whose
// merged spec is mspec (value_from already resolved) and whose ceph-rgw
// account is username/password: the account in the service domain and
// project, Keystone's public endpoint (https://keystone.<public domain>/,
// the original's external auth URL, interface public), the region, the
// public domain with the public endpoints' CA, certificate and key
// (features.ssl.public_endpoints ca_cert, api_cert, api_key; "" when not
// set) and the internal URL of Barbican. Every key of RGWCredsKeys is set.
func RGWCreds(mspec map[string]any, namespace, username, password string) (map[string][]byte, error) {
	public, _ := mspec["public_domain_name"].(string)
	internal, _ := mspec["internal_domain_name"].(string)
	if public == "" || internal == "" {
		return nil, fmt.Errorf("merged spec without public_domain_name or internal_domain_name")
	}
	region, _ := mspec["region_name"].(string)
	if region == "" {
		region = "RegionOne"
	}
	pe := func(key string) string {
		s, _ := layering.Get(mspec, "features", "ssl", "public_endpoints", key).(string)
		return s
	}
	data := map[string]string{
		"auth_url":            "https://keystone." + public + "/",
		"username":            username,
		"password":            password,
		"default_domain":      "service",
		"project_domain_name": "service",
		"project_name":        "service",
		"user_domain_name":    "service",
		"interface":           "public",
		"region_name":         region,
		"public_domain":       public,
		"ca_cert":             pe("ca_cert"),
		"tls_crt":             pe("api_cert"),
		"tls_key":             pe("api_key"),
		"barbican_url":        fmt.Sprintf("http://barbican-api.%s.svc.%s:9311", namespace, internal),
	}
	out := make(map[string][]byte, len(data))
	for k, v := range data {
		out[k] = []byte(v)
	}
	return out, nil
}

// ObjectStorageEnabled tells whether the merged spec enables object
// storage.
func ObjectStorageEnabled(mspec map[string]any) bool {
	for _, s := range layering.EnabledServices(mspec) {
		if s == ObjectStorage {
			return true
		}
	}
	return false
}
