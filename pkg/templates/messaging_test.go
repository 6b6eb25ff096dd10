package templates

import (
	"encoding/json"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// enableExternal turns features.messaging.notifications.external on with
// topics in a fixture's spec.
func enableExternal(data map[string]any, topics ...any) {
	f := data["spec"].(map[string]any)["features"].(map[string]any)
	msg, _ := f["messaging"].(map[string]any)
	if msg == nil {
		msg = map[string]any{}
		f["messaging"] = msg
	}
	msg["notifications"] = map[string]any{"external": map[string]any{"enabled": true, "topics": topics}}
}

// messaging with external notifications: a user per topic, in the
// RABBITMQ_USERS layout the secrets binary reads
// (<topic>_external_notifications: {auth: {<topic>: {username,
// password}}}, on the /openstack vhost), the chart's external Service
// and its TLS (the server half of the certificate pack); without them,
// none of it.
func TestMessagingExternalNotifications(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(edit func(map[string]any)) (map[string]any, error) {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "messaging")
		edit(data)
		rels, err := e.Service("messaging", data)
		if err != nil {
			return nil, err
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-rabbitmq" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any), nil
	}
	certs := map[string]any{"ca_cert": "CA PEM", "ca_key": "CA KEY", "server_cert": "SERVER PEM", "server_key": "SERVER KEY", "client_cert": "CLIENT PEM", "client_key": "CLIENT KEY"}
	users := map[string]any{
		"alerts":     map[string]any{"username": "notifyAAA", "password": "alerts password"},
		"Billing_EU": map[string]any{"username": "notifyBBB", "password": "billing: password"},
	}
	v, err := render(func(d map[string]any) {
		enableExternal(d, "alerts", "Billing_EU", "alerts")
		d["external_notifications"] = users
		d["rabbitmq_external_certs"] = certs
	})
	if err != nil {
		t.Fatal(err)
	}
	// What the chart writes to openstack-rabbitmq-users-credentials
	// (toJson .Values.conf.users), read as pkg/secrets reads it.
	raw, err := json.Marshal(layering.Get(v, "conf", "users"))
	if err != nil {
		t.Fatal(err)
	}
	var accounts map[string]struct {
		Auth map[string]map[string]any `json:"auth"`
		Path any                       `json:"path"`
	}
	if err := json.Unmarshal(raw, &accounts); err != nil {
		t.Fatalf("RABBITMQ_USERS %s: %v", raw, err)
	}
	for topic, u := range users {
		a, ok := accounts[topic+"_external_notifications"]
		if !ok {
			t.Fatalf("no user %s_external_notifications in %v", topic, layering.Get(v, "conf", "users"))
		}
		want := u.(map[string]any)
		if len(a.Auth) != 1 || a.Auth[topic]["username"] != want["username"] || a.Auth[topic]["password"] != want["password"] || a.Path != "/openstack" {
			t.Errorf("topic %s: user %+v", topic, a)
		}
	}
	n := 0
	for name := range accounts {
		if strings.HasSuffix(name, "_external_notifications") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d external users, want 2 (a repeated topic is one user)", n)
	}
	if layering.Get(v, "manifests", "service_external") != true {
		t.Error("manifests.service_external not set")
	}
	tls := layering.Get(v, "endpoints", "oslo_messaging", "host_fqdn_override", "external", "tls")
	if want := map[string]any{"ca": "CA PEM", "crt": "SERVER PEM", "key": "SERVER KEY"}; !equalJSON(tls, want) {
		t.Errorf("external TLS %v, want %v", tls, want)
	}
	// The existing users are kept.
	if _, ok := accounts["stacklight_service_notifications"]; !ok {
		t.Error("StackLight's user lost")
	}

	// A topic without credentials is an error naming it.
	_, err = render(func(d map[string]any) {
		enableExternal(d, "alerts")
		d["rabbitmq_external_certs"] = certs
	})
	if err == nil || !strings.Contains(err.Error(), "alerts") {
		t.Errorf("topic without credentials: %v", err)
	}

	// Off (or topics listed but not enabled): none of it.
	for name, edit := range map[string]func(map[string]any){
		"absent": func(map[string]any) {},
		"disabled": func(d map[string]any) {
			enableExternal(d, "alerts")
			layering.Get(d["spec"].(map[string]any), "features", "messaging", "notifications", "external").(map[string]any)["enabled"] = false
		},
	} {
		v, err := render(edit)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := layering.Get(v, "conf", "users").(map[string]any)["alerts_external_notifications"]; ok {
			t.Errorf("%s: external user rendered", name)
		}
		if layering.Get(v, "manifests", "service_external") != nil || layering.Get(v, "endpoints", "oslo_messaging", "host_fqdn_override") != nil {
			t.Errorf("%s: external Service rendered", name)
		}
	}
}

// The services that send notifications publish them to the external
// topics too (oslo_messaging_notifications.topics), after notifications
// and StackLight's.
func TestNotificationTopicsIncludeExternalTopics(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	topics := func(svc string, edit func(map[string]any)) any {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", svc)
		edit(data)
		rels, err := e.Service(svc, data)
		if err != nil {
			t.Fatalf("%s: %v", svc, err)
		}
		for _, r := range rels {
			if got := layering.Get(r["values"].(map[string]any), "conf", svc2conf[svc], "oslo_messaging_notifications", "topics"); got != nil {
				return got
			}
		}
		t.Fatalf("%s: no oslo_messaging_notifications.topics", svc)
		return nil
	}
	for svc := range svc2conf {
		if got := topics(svc, func(map[string]any) {}); got != "notifications,stacklight_notifications" {
			t.Errorf("%s without external topics: %v", svc, got)
		}
		if got := topics(svc, func(d map[string]any) { enableExternal(d, "alerts", "billing.eu") }); got != "notifications,stacklight_notifications,alerts,billing.eu" {
			t.Errorf("%s with external topics: %v", svc, got)
		}
		if got := topics(svc, func(d map[string]any) {
			enableExternal(d, "alerts")
			layering.Get(d["spec"].(map[string]any), "features", "messaging", "notifications", "external").(map[string]any)["enabled"] = false
		}); got != "notifications,stacklight_notifications" {
			t.Errorf("%s with external notifications disabled: %v", svc, got)
		}
	}
}

// svc2conf: services of the gazpacho fixture that send notifications, and
// the conf section holding their oslo_messaging_notifications.
var svc2conf = map[string]string{"identity": "keystone", "compute": "nova", "networking": "neutron", "image": "glance"}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
