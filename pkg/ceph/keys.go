package ceph

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// Names of the exchange contract.
const (
	// SharedNamespace is the default namespace of the exchange Secrets.
	SharedNamespace = "openstack-ceph-shared"
	// KeysSecret is written by the Ceph side, read by the cloud.
	KeysSecret = "openstack-ceph-keys"
)

// ErrMalformed wraps every parse error of the exchange Secret.
var ErrMalformed = errors.New("malformed Ceph exchange Secret")

// userRoles are the pool roles each OpenStack Ceph user consumes.
var userRoles = map[string][]string{
	"nova":   {"ephemeral", "vms"},
	"cinder": {"volumes", "backup"},
	"glance": {"images"},
	"manila": {},
}

// Pool is one Ceph pool of a user.
type Pool struct {
	Name string
	Role string
}

// User is one cephx user of an OpenStack consumer.
type User struct {
	// Name is the OpenStack-side name (nova, cinder, glance, manila).
	Name string
	// KeyName is the cephx entity (client.nova).
	KeyName string
	// Key is the cephx key.
	Key string
	// Pools are the user's pools of the roles it consumes.
	Pools []Pool
}

// Keys is the parsed openstack-ceph-keys Secret.
type Keys struct {
	AdminKey          string
	MonEndpoints      []string // ip:port
	RGWInternal       string
	RGWExternal       string
	RGWInternalCACert string
	// RGWMetricsAccessKey and RGWMetricsSecretKey are the S3 keys of the
	// RGW user Ceilometer polls usage with (rgw_metrics_user_*).
	RGWMetricsAccessKey, RGWMetricsSecretKey string
	Users                                    map[string]User
}

// ParseKeys parses the data of the openstack-ceph-keys Secret. Keys it does
// not know are ignored, as in the original.
func ParseKeys(data map[string][]byte) (*Keys, error) {
	k := &Keys{
		AdminKey:            strings.TrimSpace(string(data["client.admin"])),
		RGWInternal:         strings.TrimSpace(string(data["rgw_internal"])),
		RGWExternal:         strings.TrimSpace(string(data["rgw_external"])),
		RGWInternalCACert:   string(data["rgw_internal_cacert"]),
		RGWMetricsAccessKey: strings.TrimSpace(string(data["rgw_metrics_user_access_key"])),
		RGWMetricsSecretKey: strings.TrimSpace(string(data["rgw_metrics_user_secret_key"])),
		Users:               map[string]User{},
	}
	for _, ep := range strings.Split(strings.TrimSpace(string(data["mon_endpoints"])), ",") {
		ep = strings.TrimSpace(ep)
		if ep == "" {
			continue
		}
		norm, err := ParseEndpoint(ep)
		if err != nil {
			return nil, fmt.Errorf("%w %s: mon_endpoints: %w", ErrMalformed, KeysSecret, err)
		}
		k.MonEndpoints = append(k.MonEndpoints, norm)
	}
	names := make([]string, 0, len(userRoles))
	for name := range userRoles {
		names = append(names, name)
	}
	sort.Strings(names) // the first error is always the same
	for _, name := range names {
		roles := userRoles[name]
		raw, ok := data[name]
		if !ok {
			continue
		}
		parts := strings.Split(strings.TrimSpace(string(raw)), ";")
		if len(parts) < 2 || parts[1] == "" {
			return nil, fmt.Errorf("%w %s: %s: want <keyName>;<cephxKey>[;<pool>:<role>:<deviceClass>...]", ErrMalformed, KeysSecret, name)
		}
		u := User{Name: name, KeyName: parts[0], Key: parts[1]}
		for _, p := range parts[2:] {
			if p == "" {
				continue
			}
			f := strings.Split(p, ":")
			if len(f) < 2 {
				return nil, fmt.Errorf("%w %s: %s: pool %q: want <pool>:<role>[:<deviceClass>]", ErrMalformed, KeysSecret, name, p)
			}
			for _, r := range roles {
				if f[1] == r {
					u.Pools = append(u.Pools, Pool{Name: f[0], Role: f[1]})
				}
			}
		}
		sort.Slice(u.Pools, func(i, j int) bool { return u.Pools[i].Name < u.Pools[j].Name })
		k.Users[name] = u
	}
	return k, nil
}

// ParseEndpoint parses one monitor endpoint, ip:port, and returns it as
// Ceph's mon_host wants it: IPv4 as is, IPv6 in brackets. The original
// parses IPv4 only; an IPv6 address is accepted bracketed ([fd00::1]:6789)
// or bare, the port after its last colon (fd00::1:6789). A host that is not
// an IP address (monitors are addressed by IP) or a port outside 1-65535
// is an error.
func ParseEndpoint(ep string) (string, error) {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		// A bare IPv6 address: the port is after the last colon.
		i := strings.LastIndexByte(ep, ':')
		if i < 0 || strings.ContainsAny(ep, "[]") {
			return "", fmt.Errorf("%q is not ip:port", ep)
		}
		host, port = ep[:i], ep[i+1:]
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "", fmt.Errorf("%q: %q is not an IP address", ep, host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
		return "", fmt.Errorf("%q: %q is not a port", ep, port)
	}
	return net.JoinHostPort(ip.String(), port), nil
}

// KeyringSecret is the name of the Secret holding a user's key in the
// cloud's namespace (data.key).
func KeyringSecret(user string) string { return user + "-rbd-keyring" }

// TemplateArg is the `ceph` template argument for the given users, as the
// original: ceph.<user> = {username, keyring, secrets, pools: {<pool>:
// {name, role}}} and ceph.mon_host = [ip:port...]. Users the Secret lacks
// are left out.
func (k *Keys) TemplateArg(users ...string) map[string]any {
	arg := map[string]any{}
	for _, name := range users {
		u, ok := k.Users[name]
		if !ok {
			continue
		}
		pools := map[string]any{}
		for _, p := range u.Pools {
			pools[p.Name] = map[string]any{"name": p.Name, "role": p.Role}
		}
		arg[name] = map[string]any{
			"username": name,
			"keyring":  u.Key,
			"secrets":  KeyringSecret(name),
			"pools":    pools,
		}
	}
	if len(k.MonEndpoints) > 0 {
		mons := make([]any, len(k.MonEndpoints))
		for i, m := range k.MonEndpoints {
			mons[i] = m
		}
		arg["mon_host"] = mons
	}
	return arg
}

// Placeholder returns deterministic stand-in keys for rendering without a
// cluster (osdpl render offline): every user with the key
// "PLACEHOLDER:openstack-ceph-keys:<user>" and one pool per role named
// after it, monitors on a documentation address, the RGW URLs on the
// reserved .invalid domain.
func Placeholder() *Keys {
	k := &Keys{AdminKey: "PLACEHOLDER:" + KeysSecret + ":client.admin", MonEndpoints: []string{"192.0.2.1:6789"}, Users: map[string]User{},
		// The RGW URLs, on the reserved .invalid domain.
		RGWInternal: "https://rgw-internal.placeholder.invalid:8443", RGWExternal: "https://rgw-external.placeholder.invalid",
		RGWMetricsAccessKey: "PLACEHOLDER:" + KeysSecret + ":rgw_metrics_user_access_key",
		RGWMetricsSecretKey: "PLACEHOLDER:" + KeysSecret + ":rgw_metrics_user_secret_key"}
	for name, roles := range userRoles {
		u := User{Name: name, KeyName: "client." + name, Key: "PLACEHOLDER:" + KeysSecret + ":" + name}
		for _, r := range roles {
			u.Pools = append(u.Pools, Pool{Name: r, Role: r})
		}
		sort.Slice(u.Pools, func(i, j int) bool { return u.Pools[i].Name < u.Pools[j].Name })
		k.Users[name] = u
	}
	return k
}
