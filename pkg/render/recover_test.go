package render

import (
	"context"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"rockoon.dev/rockoon/pkg/credentials"
)

// The markers of a missing Secret are found in deployed values, alone or
// inside longer strings; keys no deployed value holds are left out.
func TestRecoveryStoreFindsDeployedValues(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "partial", Namespace: "ns"}, Data: map[string][]byte{"kept": []byte("k")}})
	s := &RecoveryStore{Client: client, Namespace: "ns"}
	spec := credentials.Spec{Name: "gone", Fields: []credentials.Field{
		{Key: "plain", Generate: func() any { return "x" }},
		{Key: "json", Generate: func() any { return map[string]any{"user": "u", "password": "p"} }},
		{Key: "unused", Generate: func() any { return "y" }},
	}}
	data, err := s.Secret(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	partial, err := s.Secret(ctx, credentials.Spec{Name: "partial", Fields: []credentials.Field{
		{Key: "kept", Generate: func() any { return "z" }}, {Key: "lost", Generate: func() any { return "z" }}}})
	if err != nil || string(partial["kept"]) != "k" {
		t.Fatalf("present key not read: %v %v", partial, err)
	}
	var js map[string]any
	if err := json.Unmarshal(data["json"], &js); err != nil {
		t.Fatal(err)
	}
	rendered := map[string]any{
		"a":    string(data["plain"]),
		"db":   "mysql+pymysql://" + js["user"].(string) + ":" + js["password"].(string) + "@db:3306/x",
		"list": []any{map[string]any{"lost": string(partial["lost"])}},
	}
	deployed := map[string]any{
		"a":    "S3cret",
		"db":   "mysql+pymysql://admin:p@ss:w0rd@db:3306/x",
		"list": []any{map[string]any{"lost": "L0st"}},
	}
	found := map[string]string{}
	s.Recovered(rendered, deployed, found)
	got, err := s.Data("gone", found)
	if err != nil {
		t.Fatal(err)
	}
	if string(got["plain"]) != "S3cret" || string(got["json"]) != `{"password":"p@ss:w0rd","user":"admin"}` {
		t.Errorf("recovered %q", got)
	}
	if _, ok := got["unused"]; ok {
		t.Error("a key no release uses was recovered")
	}
	m := s.Missing()
	if !m["partial"].Exists || len(m["partial"].Keys) != 1 || m["partial"].Keys[0] != "lost" || m["gone"].Exists {
		t.Errorf("missing: %+v %+v", m["partial"], m["gone"])
	}
	if got, _ := s.Data("partial", found); string(got["lost"]) != "L0st" {
		t.Errorf("partial: %q", got)
	}
}
