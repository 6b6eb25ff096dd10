package credentials

import "testing"

func TestNormalizeTopic(t *testing.T) {
	for _, c := range []struct{ topic, want string }{
		{"alerts", "alerts"},
		{"billing-eu.v2", "billing-eu.v2"},
		{"", ""},
		// Lowercased, other characters dropped, sha256 of the lowercased
		// topic (billing_eu) appended.
		{"Billing_EU", "billingeu-f48cb"},
		{"alerts@ops", "alertsops-d1292"},
	} {
		if got := NormalizeTopic(c.topic); got != c.want {
			t.Errorf("NormalizeTopic(%q) = %q, want %q", c.topic, got, c.want)
		}
	}
	if got := NotificationsSecretName("Billing_EU"); got != "generated-notifications-billingeu-f48cb-passwords" {
		t.Errorf("NotificationsSecretName: %s", got)
	}
}

func TestNotificationsPasswords(t *testing.T) {
	spec := NotificationsPasswords("alerts")
	if spec.Name != "generated-notifications-alerts-passwords" || len(spec.Fields) != 2 {
		t.Fatalf("spec %s %v", spec.Name, spec.Fields)
	}
	data, err := generateAll(spec)
	if err != nil {
		t.Fatal(err)
	}
	if u := string(data["username"]); len(u) != 16 || u[:6] != "notify" {
		t.Errorf("username %q", u)
	}
	if p := string(data["password"]); len(p) != 32 {
		t.Errorf("password of %d characters", len(p))
	}
	// Two topics' users do not collide.
	if other, _ := generateAll(NotificationsPasswords("billing")); string(other["username"]) == string(data["username"]) {
		t.Error("two topics got the same username")
	}
}
