package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/osdplst"
	"rockoon.dev/rockoon/pkg/watched"
)

// Paths of the hashes in status.watched.
var (
	ValueFromPath = watched.Path{"value_from", "secret"}
	ConfigMapPath = watched.Path{"configmaps"}
	BGPVPNPath    = watched.Path{"neutron", "bgpvpn_neighbor_secret"}
	TFPath        = watched.Path{"tf", "secret"}
)

// syncHashMap makes status.watched.<base>.<name>.hash the hash of every
// input of want and removes the entries of inputs that are gone.
func (c *Controller) syncHashMap(ctx context.Context, base watched.Path, existing func(*lcmv1alpha1.Watched) []string, want map[string]string) error {
	for _, name := range sortedKeys(want) {
		if _, err := c.writer.Set(ctx, base.Child(name), want[name]); err != nil {
			return err
		}
	}
	list, err := c.osdpls.OpenStackDeployments(c.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	gone := map[string]bool{}
	for _, o := range list {
		if o.Status.Watched == nil {
			continue
		}
		for _, name := range existing(o.Status.Watched) {
			if _, ok := want[name]; !ok {
				gone[name] = true
			}
		}
	}
	for _, name := range sortedKeys(gone) {
		if _, err := c.writer.Set(ctx, base.Child(name), ""); err != nil {
			return err
		}
	}
	return nil
}

// syncValueFrom: the Secrets value_from may reference (labelled
// osdpl_secret=true).
func (c *Controller) syncValueFrom(ctx context.Context) error {
	list, err := c.secrets["value-from"].Secrets(c.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	want := map[string]string{}
	for _, s := range list {
		want[s.Name] = watched.SecretHash(s.Data)
	}
	return c.syncHashMap(ctx, ValueFromPath, func(w *lcmv1alpha1.Watched) []string {
		if w.ValueFrom == nil {
			return nil
		}
		return sortedKeys(w.ValueFrom.Secret)
	}, want)
}

// syncConfigMaps: the ConfigMaps labelled watch=true.
func (c *Controller) syncConfigMaps(ctx context.Context) error {
	list, err := c.cms.ConfigMaps(c.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	want := map[string]string{}
	for _, cm := range list {
		want[cm.Name] = watched.ConfigMapHash(cm.Data)
	}
	return c.syncHashMap(ctx, ConfigMapPath, func(w *lcmv1alpha1.Watched) []string { return sortedKeys(w.ConfigMaps) }, want)
}

// syncOne writes the hash of one Secret (or removes it when the Secret is
// gone).
func (c *Controller) syncOne(ctx context.Context, input, namespace, name string, path watched.Path) error {
	s, err := c.secret(input, namespace, name)
	if err != nil {
		return err
	}
	hash := ""
	if s != nil {
		hash = watched.SecretHash(s.Data)
	}
	_, err = c.writer.Set(ctx, path, hash)
	return err
}

// syncBGPVPN: the BGP VPN neighbour Secret (application=frr).
func (c *Controller) syncBGPVPN(ctx context.Context) error {
	return c.syncOne(ctx, "bgpvpn", c.cfg.Namespace, c.cfg.BGPVPNSecret, BGPVPNPath)
}

// syncTF: the Tungsten Fabric operator's ost-data Secret.
func (c *Controller) syncTF(ctx context.Context) error {
	return c.syncOne(ctx, "tf", c.cfg.TFNamespace, TFOSTDataSecret, TFPath)
}

// RotationGroups maps a credential group of
// osdplst.status.credentials.rotation to its rotation pair's base name.
var RotationGroups = map[string]string{
	"admin":   credentials.AdminUsersSecret,
	"service": credentials.ServiceSecretName("identity"),
}

// RotationTimeFormat is the original's timestamp format (UTC).
const RotationTimeFormat = "2006-01-02 15:04:05.000000"

// RotationTime is when the active Secret of a pair became active: the
// time of the managedFields entry that set its priority annotation (the
// latest, if several), else its creation.
func RotationTime(s *corev1.Secret) time.Time {
	if _, ok := s.Annotations[credentials.PriorityAnnotation]; ok {
		var latest time.Time
		for _, mf := range s.ManagedFields {
			if mf.FieldsV1 == nil || mf.Time == nil {
				continue
			}
			var f struct {
				Metadata struct {
					Annotations map[string]any `json:"f:annotations"`
				} `json:"f:metadata"`
			}
			if json.Unmarshal(mf.FieldsV1.Raw, &f) != nil {
				continue
			}
			if _, ok := f.Metadata.Annotations["f:"+credentials.PriorityAnnotation]; ok && mf.Time.After(latest) {
				latest = mf.Time.Time
			}
		}
		if !latest.IsZero() {
			return latest.UTC()
		}
	}
	return s.CreationTimestamp.UTC()
}

// syncRotation: the rotation timestamps of the admin and service
// credentials in the osdplst.
func (c *Controller) syncRotation(ctx context.Context) error {
	o, err := c.osdpl()
	if err != nil || o == nil {
		return err
	}
	st, err := c.statuses.OpenStackDeploymentStatus(o.Namespace).Get(o.Name)
	if apierrors.IsNotFound(err) {
		return nil // osdpl creates it; its Add event brings us back
	}
	if err != nil {
		return err
	}
	times := map[string]string{}
	for group, base := range RotationGroups {
		a, err := c.secret("rotation", c.cfg.Namespace, base)
		if err != nil {
			return err
		}
		b, err := c.secret("rotation", c.cfg.Namespace, base+"-1")
		if err != nil {
			return err
		}
		active, err := credentials.Active(a, b)
		if err != nil {
			return err
		}
		if active != nil {
			times[group] = RotationTime(active).Format(RotationTimeFormat)
		}
	}
	if len(times) == 0 {
		return nil
	}
	w := osdplst.NewWriter(c.lcm, c.cfg.FieldManager, st)
	_, err = w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
		if s.Credentials == nil {
			s.Credentials = &lcmv1alpha1.CredentialsStatus{}
		}
		if s.Credentials.Rotation == nil {
			s.Credentials.Rotation = map[string]lcmv1alpha1.RotationTimestamp{}
		}
		for group, ts := range times {
			s.Credentials.Rotation[group] = lcmv1alpha1.RotationTimestamp{Timestamp: ts}
		}
	})
	return err
}

// syncOSClouds: keystone-os-clouds copied to the controller namespace (the
// binaries and the exporter mount it), and the external clouds.yaml (the
// admin and admin-system clouds on the public endpoint) in the external
// namespace.
func (c *Controller) syncOSClouds(ctx context.Context) error {
	src, err := c.secret("os-clouds", c.cfg.Namespace, OSCloudsSecret)
	if err != nil || src == nil {
		return err
	}
	if _, err := c.save(ctx, c.cfg.ControllerNamespace, OSCloudsSecret, nil, src.Data); err != nil {
		return err
	}
	o, err := c.osdpl()
	if err != nil || o == nil {
		return err
	}
	ext, err := ExternalClouds(src.Data["clouds.yaml"], o.Spec.PublicDomainName)
	if err != nil {
		return fmt.Errorf("Secret %s/%s: %w", src.Namespace, src.Name, err)
	}
	_, err = c.save(ctx, c.cfg.ExternalNamespace, ExternalCloudsSecret, nil, map[string][]byte{"clouds.yaml": ext})
	return err
}

// ExternalClouds builds the external clouds.yaml from the cloud's: the
// admin and admin-system clouds with auth.auth_url
// https://keystone.<public domain>/ and the public interface.
func ExternalClouds(cloudsYAML []byte, publicDomain string) ([]byte, error) {
	var in struct {
		Clouds map[string]map[string]any `json:"clouds"`
	}
	if err := yaml.Unmarshal(cloudsYAML, &in); err != nil {
		// The parser's message may quote the document: say where, not what.
		return nil, fmt.Errorf("clouds.yaml is not a YAML document of clouds")
	}
	out := map[string]any{}
	for _, name := range []string{"admin", "admin-system"} {
		cloud, ok := in.Clouds[name]
		if !ok {
			continue
		}
		auth, _ := cloud["auth"].(map[string]any)
		if auth == nil {
			auth = map[string]any{}
		}
		auth["auth_url"] = "https://keystone." + publicDomain + "/"
		cloud["auth"] = auth
		cloud["interface"] = "public"
		cloud["endpoint_type"] = "public"
		out[name] = cloud
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("clouds.yaml has neither the admin nor the admin-system cloud")
	}
	return yaml.Marshal(map[string]any{"clouds": out})
}

// syncExporterCA: the public TLS CA for the exporter.
func (c *Controller) syncExporterCA(ctx context.Context) error {
	src, err := c.secret("tls-public", c.cfg.Namespace, TLSPublicSecret)
	if err != nil || src == nil {
		return err
	}
	ca, ok := src.Data["ca.crt"]
	if !ok {
		klog.FromContext(ctx).V(2).Info("No ca.crt yet", "secret", klog.KObj(src))
		return nil
	}
	_, err = c.save(ctx, c.cfg.ControllerNamespace, ExporterCASecret, nil, map[string][]byte{"ca.crt": ca})
	return err
}

// tfKeys are the neutron-keystone-admin keys tf-data gets, without OS_
// and lowercased.
var tfKeys = []string{"OS_AUTH_URL", "OS_DEFAULT_DOMAIN", "OS_INTERFACE", "OS_PASSWORD", "OS_PROJECT_DOMAIN_NAME",
	"OS_PROJECT_NAME", "OS_REGION_NAME", "OS_USER_DOMAIN_NAME", "OS_USERNAME"}

// syncTFData: the OpenStack data the Tungsten Fabric operator reads
// (neutron's Keystone account and nova's metadata endpoint), only for a
// cloud on Tungsten Fabric.
func (c *Controller) syncTFData(ctx context.Context) error {
	o, err := c.osdpl()
	if err != nil || o == nil {
		return err
	}
	spec, err := layering.ObjectValues(o.Spec)
	if err != nil {
		return err
	}
	if o.Spec.Preset != "compute-tf" && layering.Get(spec, "features", "neutron", "backend") != "tungstenfabric" {
		return nil
	}
	list, err := c.secrets["neutron"].Secrets(c.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b *corev1.Secret) int { return strings.Compare(a.Name, b.Name) })
	data := map[string][]byte{}
	for _, s := range list {
		switch {
		case s.Name == NeutronAdminSecret && s.Labels["component"] == "server":
			for _, k := range tfKeys {
				if v, ok := s.Data[k]; ok {
					data[strings.ToLower(strings.TrimPrefix(k, "OS_"))] = v
				}
			}
		case s.Labels["component"] == "configmap_etc":
			ini, ok := s.Data["metadata_agent.ini"]
			if !ok {
				continue
			}
			def := ParseINI(string(ini))["DEFAULT"]
			for from, to := range map[string]string{"nova_metadata_port": "nova_metadata_port", "nova_metadata_host": "nova_metadata_host", "metadata_proxy_shared_secret": "metadata_proxy_secret"} {
				if v, ok := def[from]; ok {
					data[to] = []byte(v)
				}
			}
		}
	}
	if len(data) == 0 {
		return nil
	}
	_, err = c.save(ctx, c.cfg.TFNamespace, TFDataSecret, nil, data)
	return err
}

// ParseINI parses an oslo.config file: [section] headers, key = value
// lines (the first = or :), # and ; comments.
func ParseINI(text string) map[string]map[string]string {
	out := map[string]map[string]string{}
	section := "DEFAULT"
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
		default:
			i := strings.IndexAny(line, "=:")
			if i < 0 {
				continue
			}
			if out[section] == nil {
				out[section] = map[string]string{}
			}
			out[section][strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
		}
	}
	return out
}

// NotificationSecret is the external notification Secret of a topic:
// openstack-<topic>-notifications, the topic made a valid name as the
// original (credentials.NormalizeTopic).
func NotificationSecret(topic string) string {
	return "openstack-" + credentials.NormalizeTopic(topic) + "-notifications"
}

// syncNotifications: one Secret per external notification topic in the
// external namespace (endpoint, TLS and the topic's RabbitMQ user), none
// when external notifications are off.
func (c *Controller) syncNotifications(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	o, err := c.osdpl()
	if err != nil || o == nil {
		return err
	}
	existing, err := c.secrets["external-notifications"].Secrets(c.cfg.ExternalNamespace).List(labels.Everything())
	if err != nil {
		return err
	}
	produced := map[string]bool{}
	spec, err := layering.ObjectValues(o.Spec)
	if err != nil {
		return err
	}
	ext, _ := layering.Get(spec, "features", "messaging", "notifications", "external").(map[string]any)
	if enabled, _ := ext["enabled"].(bool); enabled {
		done, err := c.publishNotifications(ctx, ext, produced)
		if err != nil || !done {
			return err // waiting: nothing is deleted meanwhile
		}
	}
	for _, s := range existing {
		if produced[s.Name] {
			continue
		}
		if err := c.kube.CoreV1().Secrets(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &s.UID}}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting Secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		logger.Info("External notification Secret deleted", "secret", klog.KObj(s))
	}
	return nil
}

// publishNotifications writes the topics' Secrets into produced; done is
// false while an input is missing (waiting, not failing).
func (c *Controller) publishNotifications(ctx context.Context, ext map[string]any, produced map[string]bool) (done bool, err error) {
	logger := klog.FromContext(ctx)
	users, err := c.secret("rabbitmq-users", c.cfg.Namespace, RabbitMQUsersSecret)
	if err != nil || users == nil {
		logger.V(2).Info("Waiting for the RabbitMQ users Secret", "secret", klog.KRef(c.cfg.Namespace, RabbitMQUsersSecret))
		return false, err
	}
	var accounts map[string]struct {
		Auth map[string]map[string]any `json:"auth"`
	}
	if err := json.Unmarshal(users.Data["RABBITMQ_USERS"], &accounts); err != nil {
		return false, fmt.Errorf("Secret %s/%s: RABBITMQ_USERS is not a JSON object of users", users.Namespace, users.Name)
	}
	svc, err := c.services.Services(c.cfg.Namespace).Get(RabbitMQExternalSvc)
	if apierrors.IsNotFound(err) {
		logger.V(2).Info("Waiting for the external RabbitMQ Service", "service", klog.KRef(c.cfg.Namespace, RabbitMQExternalSvc))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	host := ""
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			host = in.IP // the last one wins, as the original
		}
	}
	if host == "" {
		logger.V(2).Info("Waiting for the external RabbitMQ Service's load balancer IP", "service", klog.KObj(svc))
		return false, nil
	}
	certs, err := c.secret("rabbitmq-certs", c.cfg.Namespace, RabbitMQCertsSecret)
	if err != nil || certs == nil {
		logger.V(2).Info("Waiting for the external RabbitMQ certificates", "secret", klog.KRef(c.cfg.Namespace, RabbitMQCertsSecret))
		return false, err
	}
	base := map[string][]byte{"hosts": []byte(host), "vhost": []byte("openstack")}
	for _, p := range svc.Spec.Ports {
		base["port_"+p.Name] = []byte(strconv.Itoa(int(p.Port)))
	}
	for _, k := range []string{"ca_cert", "client_cert", "client_key"} {
		base[k] = certs.Data[k]
	}
	topics, _ := ext["topics"].([]any)
	for _, t := range topics {
		topic, _ := t.(string)
		account, ok := accounts[topic+"_external_notifications"]
		if topic == "" || !ok {
			continue
		}
		data := make(map[string][]byte, len(base)+2)
		for k, v := range base {
			data[k] = v
		}
		for k, v := range account.Auth[topic] {
			if s, ok := v.(string); ok {
				data[k] = []byte(s)
			}
		}
		name := NotificationSecret(topic)
		if _, err := c.save(ctx, c.cfg.ExternalNamespace, name, map[string]string{ExternalRabbitMQLabel: "true"}, data); err != nil {
			return false, err
		}
		produced[name] = true
	}
	return true, nil
}
