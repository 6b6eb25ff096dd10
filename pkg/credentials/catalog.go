package credentials

import (
	"sort"

	"rockoon.dev/rockoon/pkg/catalog"
)

// Names of the Secrets the original generates (namespace of the cloud).
const (
	AdminUsersSecret           = "openstack-admin-users"
	GaleraSecret               = "generated-galera-passwords"
	RabbitMQGuestSecret        = "generated-rabbitmq-password"
	KeystoneFernetData         = "keystone-fernet-data"
	KeystoneCredentialKey      = "keystone-credential-data"
	OIDCCryptoPassphraseSecret = "oidc-crypto-passphrase"
	StackLightSecret           = "generated-stacklight-password"
	RedisSecret                = "generated-redis-password"
	PowerDNSSecret             = "generated-powerdns-passwords"
)

// ServiceSecretName is the rotation pair base name of a service's
// credentials: generated-<svc key>-passwords.
func ServiceSecretName(svc string) string { return "generated-" + svc + "-passwords" }

// AdminUsers is the openstack-admin-users pair: the Keystone admin, the
// MariaDB root and the RabbitMQ admin.
func AdminUsers() Spec {
	return Spec{Name: AdminUsersSecret, Fields: []Field{
		{Key: "identity", Generate: func() any { return UserPass{Username: Name("admin", 16), Password: Password(32)} }},
		{Key: "database", Generate: func() any { return UserPass{Username: "root", Password: Password(32)} }},
		{Key: "messaging", Generate: func() any { return UserPass{Username: "rabbitmq", Password: Password(32)} }},
	}}
}

// Galera is generated-galera-passwords, for the mariadb chart.
func Galera() Spec {
	return Spec{Name: GaleraSecret, Fields: []Field{
		{Key: "sst", Generate: func() any { return UserPass{Username: "sst", Password: Password(32)} }},
		{Key: "exporter", Generate: func() any { return UserPass{Username: "exporter", Password: Password(32)} }},
		{Key: "audit", Generate: func() any { return UserPass{Username: Name("audit", 8), Password: Password(32)} }},
		{Key: "backup", Generate: func() any { return UserPass{Username: Name("backup", 8), Password: Password(32)} }},
		{Key: "openssl_kek", Generate: func() any { return Password(64) }},
	}}
}

// RabbitMQGuest is generated-rabbitmq-password: the RabbitMQ guest user.
func RabbitMQGuest() Spec {
	return Spec{Name: RabbitMQGuestSecret, Fields: []Field{
		{Key: "password", Generate: func() any { return Password(32) }},
	}}
}

// StackLight is generated-stacklight-password: StackLight's RabbitMQ
// notifications user (created whether StackLight is enabled or not, as the
// original).
func StackLight() Spec {
	return Spec{Name: StackLightSecret, Fields: []Field{
		{Key: "username", Generate: func() any { return Name("stacklight", 16) }},
		{Key: "password", Generate: func() any { return Password(32) }},
	}}
}

// RedisPassword is generated-redis-password of the redis namespace: the
// password of the redis failover, which the redis operator reads itself
// (RedisFailover auth.secretPath) and its clients (gnocchi, octavia) get.
func RedisPassword() Spec {
	return Spec{Name: RedisSecret, Namespace: catalog.RedisNamespace, Fields: []Field{
		{Key: "password", Generate: func() any { return Password(32) }},
	}}
}

// PowerDNS is generated-powerdns-passwords: the API key designate uses
// to reach PowerDNS and PowerDNS's own database user (one Secret, not a
// rotation pair, as the original).
func PowerDNS() Spec {
	return Spec{Name: PowerDNSSecret, Fields: []Field{
		{Key: "api_key", Generate: func() any { return Password(16) }},
		{Key: "database", Generate: func() any { return NewUserPass("powerdns") }},
	}}
}

// DRBPasswords is the generated-dynamic-resource-balancer-passwords pair:
// the Keystone account drb-controller of the DRB controller only (it has
// no database, queue or cache). The username is the account followed by
// random characters, 32 in all, as the original's.
func DRBPasswords() Spec {
	return Spec{Name: ServiceSecretName("dynamic-resource-balancer"), Fields: []Field{
		{Key: "identity", Generate: func() any {
			return map[string]UserPass{"drb-controller": {Username: Name("drb-controller", 32), Password: Password(32)}}
		}},
	}}
}

// OIDCCryptoPassphrase is the Secret of keystone's mod_auth_openidc
// session encryption passphrase (identity federation).
func OIDCCryptoPassphrase() Spec {
	return Spec{Name: OIDCCryptoPassphraseSecret, Fields: []Field{
		{Key: "passphrase", Generate: func() any { return Password(32) }},
	}}
}

// NGSSSHKeysSecret holds the SSH private keys of the
// networking-generic-switch devices, mounted by the neutron server.
const NGSSSHKeysSecret = "ngs-ssh-keys"

// NGSSSHKeys is the ngs-ssh-keys Secret: <switch>_ssh_private_key for
// every switch of features.neutron.baremetal.ngs with a key (switch →
// key). The keys are the spec's, not generated: the Secret follows them.
func NGSSSHKeys(keys map[string]string) Spec {
	spec := Spec{Name: NGSSSHKeysSecret, Follow: true}
	for _, name := range sortedKeys(keys) {
		key := keys[name]
		spec.Fields = append(spec.Fields, Field{Key: name + "_ssh_private_key", Generate: func() any { return key }, Opaque: true})
	}
	return spec
}

// Empty is a Secret created without data, filled later by chart jobs.
func Empty(name string) Spec { return Spec{Name: name} }

// KeystoneKeys are keystone-fernet-data and keystone-credential-data:
// created empty for the chart's jobs to fill, or seeded from the original's
// older keystone-fernet-keys / keystone-credential-keys, so that existing
// tokens and encrypted credentials stay valid.
func KeystoneKeys() []Spec {
	return []Spec{
		{Name: KeystoneFernetData, CopyFrom: "keystone-fernet-keys"},
		{Name: KeystoneCredentialKey, CopyFrom: "keystone-credential-keys"},
	}
}

// serviceExtras are the extra fields of some services' pairs.
var serviceExtras = map[string][]Field{
	"key-manager": {{Key: "kek", Generate: func() any { return KEK() }}},
	"dashboard":   {{Key: "secret_key", Generate: func() any { return Password(32) }}},
	"networking": {
		{Key: "metadata_secret", Generate: func() any { return Password(32) }},
		{Key: "ipsec_secret_key", Generate: func() any { return Password(16) }},
	},
}

// Accounts returns the Keystone accounts of a service whose main chart is
// chart, sorted.
func Accounts(svc, chart string) []string {
	own, _ := catalog.Lookup(svc)
	accounts := append([]string{chart, "test"}, own.Accounts...)
	sort.Strings(accounts)
	return accounts
}

// ServicePasswords is the generated-<svc>-passwords pair of an OpenStack
// service whose main chart is chart: database, messaging and notifications
// users named after the chart, the Keystone accounts, the memcache secret
// key, and the service's extra fields.
func ServicePasswords(svc, chart string) Spec {
	user := func() any { return map[string]UserPass{"user": NewUserPass(chart)} }
	fields := []Field{
		{Key: "database", Generate: user},
		{Key: "messaging", Generate: user},
		{Key: "notifications", Generate: user},
		{Key: "identity", Generate: func() any {
			m := map[string]UserPass{}
			for _, a := range Accounts(svc, chart) {
				m[a] = NewUserPass(a)
			}
			return m
		}},
		{Key: "memcached", Generate: func() any { return Password(16) }},
	}
	fields = append(fields, serviceExtras[svc]...)
	return Spec{Name: ServiceSecretName(svc), Fields: fields}
}
