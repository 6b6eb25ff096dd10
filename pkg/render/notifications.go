package render

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"

	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

// StackLight's integration Secrets, as the original's: the RabbitMQ
// account StackLight reads the notifications with, and which exporters it
// scrapes.
const (
	DefaultLMASharedNamespace = "openstack-lma-shared"
	LMARabbitMQCredsSecret    = "rabbitmq-creds"
	LMAConfigSecret           = "openstack-lma-config"
	// ExternalNotificationsCN is the CN (and DNS name) of the server and
	// client certificates of the rabbitmq-external-certs pack: the
	// external Service's name (the reference gives none; consumers reach
	// the load balancer by IP).
	ExternalNotificationsCN = "rabbitmq-external"
)

// ExternalTopics are the topics of
// features.messaging.notifications.external when it is enabled (empty and
// repeated topics dropped), as the messaging template reads them.
func ExternalTopics(mspec map[string]any) []string {
	ext, _ := layering.Get(mspec, "features", "messaging", "notifications", "external").(map[string]any)
	if ext["enabled"] != true {
		return nil
	}
	var out []string
	list, _ := ext["topics"].([]any)
	for _, t := range list {
		if topic, _ := t.(string); topic != "" && !slices.Contains(out, topic) {
			out = append(out, topic)
		}
	}
	return out
}

// externalNotificationArgs are the messaging arguments of external
// notifications: each topic's user (external_notifications: topic →
// {username, password}, Secret generated-notifications-<norm(topic)>-passwords)
// and the external Service's certificate pack (rabbitmq_external_certs),
// all generated once and kept. Nothing when external notifications are off.
func (r *Renderer) externalNotificationArgs(ctx context.Context, mspec map[string]any, data map[string]any) error {
	if ext, _ := layering.Get(mspec, "features", "messaging", "notifications", "external").(map[string]any); ext["enabled"] != true {
		return nil
	}
	users := map[string]any{}
	for _, topic := range ExternalTopics(mspec) {
		sec, err := r.Store.Secret(ctx, credentials.NotificationsPasswords(topic))
		if err != nil {
			return fmt.Errorf("external notifications topic %s user: %w", topic, err)
		}
		users[topic] = map[string]any{"username": string(sec["username"]), "password": string(sec["password"])}
	}
	data["external_notifications"] = users
	pack, err := r.Store.Secret(ctx, credentials.CertificatePack(credentials.RabbitMQExternalCerts, ExternalNotificationsCN, ExternalNotificationsCN))
	if err != nil {
		return fmt.Errorf("external notifications certificates: %w", err)
	}
	data["rabbitmq_external_certs"] = credentials.DecodeAll(pack)
	return nil
}

// lmaShared writes StackLight's integration Secrets into the LMA shared
// namespace, with the messaging release rendered (rel): as the original's
// e2e runs, openstack-lma-config always (which exporters StackLight
// scrapes) and, with features.stacklight.enabled, rabbitmq-creds (the
// generated-stacklight-password account, the RabbitMQ servers and the
// /openstack vhost). They follow the spec (credentials.Spec.Follow): a
// changed value is replaced, an equal one not written; the Secrets are
// never deleted.
func (r *Renderer) lmaShared(ctx context.Context, mspec map[string]any, in Input, messaging Service) error {
	ns := cmp.Or(in.LMASharedNamespace, DefaultLMASharedNamespace)
	if in.NoLMASharedNamespace {
		// No write attempted each pass: the monitoring integration is
		// skipped, the cloud is not held up for it.
		klog.FromContext(ctx).V(2).Info("StackLight integration Secrets not written: their namespace does not exist", "namespace", ns)
		return nil
	}
	conf := LMAConfig(mspec)
	if _, err := r.Store.Secret(ctx, credentials.Spec{Name: LMAConfigSecret, Namespace: ns, Follow: true, Fields: []credentials.Field{
		{Key: "conf.json", Generate: func() any { return conf }},
	}}); apierrors.IsNotFound(err) {
		// The namespace went away after Gather looked (Ensure handles a
		// missing Secret): skipped as well.
		klog.FromContext(ctx).Info("StackLight integration Secrets not written: their namespace does not exist", "namespace", ns)
		return nil
	} else if err != nil {
		return fmt.Errorf("Secret %s/%s: %w", ns, LMAConfigSecret, err)
	}
	if layering.Get(mspec, "features", "stacklight", "enabled") != true {
		return nil
	}
	var hosts string
	for _, rel := range messaging.Releases {
		if rel.Name == "openstack-rabbitmq" {
			hosts = RabbitMQHosts(rel)
		}
	}
	if hosts == "" {
		return nil
	}
	sl, err := r.Store.Secret(ctx, credentials.StackLight())
	if err != nil {
		return fmt.Errorf("StackLight notifications user: %w", err)
	}
	username, password := string(sl["username"]), string(sl["password"])
	if _, err := r.Store.Secret(ctx, credentials.Spec{Name: LMARabbitMQCredsSecret, Namespace: ns, Follow: true, Fields: []credentials.Field{
		{Key: "username", Generate: func() any { return username }},
		{Key: "password", Generate: func() any { return password }},
		{Key: "hosts", Generate: func() any { return hosts }},
		{Key: "vhost", Generate: func() any { return "/openstack" }},
	}}); err != nil {
		return fmt.Errorf("Secret %s/%s: %w", ns, LMARabbitMQCredsSecret, err)
	}
	return nil
}

// LMAConfig is openstack-lma-config's conf.json, byte for byte as the
// original writes it (Python's json.dumps): the cloudprober exporter is
// on with the cloudprober service, the port prober's with the neutron
// port prober (PortproberEnabled).
func LMAConfig(mspec map[string]any) string {
	cloudprober := slices.Contains(layering.EnabledServices(mspec), "cloudprober")
	return fmt.Sprintf(`{"exporters": {"cloudprober": {"enabled": %t}, "portprober": {"enabled": %t}}}`, cloudprober, PortproberEnabled(mspec))
}

// PortproberEnabled tells whether the cloud runs neutron's port prober,
// as the original's lma-config shows it over the e2e corpus: only with
// networking (it is a neutron agent), not with OVN or Tungsten Fabric;
// features.neutron.extensions.portprober.enabled when set; otherwise with
// cloudprober from antelope (yoga with cloudprober: off).
func PortproberEnabled(mspec map[string]any) bool {
	if !slices.Contains(layering.EnabledServices(mspec), "networking") {
		return false
	}
	switch layering.Get(mspec, "features", "neutron", "backend") {
	case "ml2/ovn", "tungstenfabric":
		return false
	}
	if on, ok := layering.Get(mspec, "features", "neutron", "extensions", "portprober", "enabled").(bool); ok {
		return on
	}
	version, _ := mspec["openstack_version"].(string)
	return slices.Contains(layering.EnabledServices(mspec), "cloudprober") &&
		templates.VersionOrdinal(version) >= templates.VersionOrdinal("antelope")
}

// RabbitMQHosts is rabbitmq-creds' hosts: a JSON list (Python's
// json.dumps form) of the AMQP address of every RabbitMQ server of the
// release, from its final values: <statefulset>-<i>.<service>.<namespace>.svc.<cluster domain>:<amqp port>.
func RabbitMQHosts(rel Release) string {
	v := rel.Values
	sts, _ := layering.Get(v, "endpoints", "oslo_messaging", "statefulset", "name").(string)
	svc, _ := layering.Get(v, "endpoints", "oslo_messaging", "hosts", "default").(string)
	domain, _ := layering.Get(v, "endpoints", "cluster_domain_suffix").(string)
	sts, svc, domain = cmp.Or(sts, rel.Name+"-rabbitmq"), cmp.Or(svc, "rabbitmq"), cmp.Or(domain, "cluster.local")
	port := "5672" // the chart's default
	if p := layering.Get(v, "endpoints", "oslo_messaging", "port", "amqp", "default"); p != nil {
		port = fmt.Sprint(p)
	}
	replicas := 1
	switch n := layering.Get(v, "pod", "replicas", "server").(type) {
	case int64:
		replicas = int(n)
	case int:
		replicas = n
	case float64:
		replicas = int(n)
	}
	quoted := make([]string, 0, replicas)
	for i := range max(replicas, 1) {
		b, _ := json.Marshal(fmt.Sprintf("%s-%d.%s.%s.svc.%s:%s", sts, i, svc, rel.Namespace, domain, port))
		quoted = append(quoted, string(b))
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
