package catalog

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"rockoon.dev/rockoon/pkg/testenv"
)

// TestGraphMatchesTheReference: the project's graph data says what the
// reference facts say, object for object (hack/gen-graph made it; this
// catches a hand edit or a stale regeneration).
func TestGraphMatchesTheReference(t *testing.T) {
	dir := testenv.SharedDir(t, "reference-fixtures", "child-objects")
	var index map[string]string
	readRef(t, filepath.Join(dir, "index.json"), &index)
	for _, key := range slices.Sorted(maps.Keys(index)) {
		release, backend, _ := cutFirst(key)
		g, err := GraphFor(release, backend)
		if err != nil {
			t.Fatal(err)
		}
		var ref map[string]map[string]map[string]map[string]map[string]any
		readRef(t, filepath.Join(dir, index[key]), &ref)
		n := 0
		for svc, charts := range ref {
			for chart, kinds := range charts {
				for kind, objs := range kinds {
					for name, o := range objs {
						n++
						got := g.Object(Ref{Service: svc, Chart: chart, Kind: kind, Name: name})
						if got == nil {
							t.Errorf("%s: %s/%s/%s/%s missing", key, svc, chart, kind, name)
							continue
						}
						if !reflect.DeepEqual(labelsOf(o), got.Labels) || o["manifest"] != got.Manifest || (o["type"] == "dynamic") != got.Dynamic {
							t.Errorf("%s: %s differs", key, got.Ref)
						}
						var egress []Connection
						conns, _ := o["connections"].(map[string]any)
						list, _ := conns["egress"].([]any)
						for _, e := range list {
							to := e.(map[string]any)["to_child_object"].(map[string]any)
							var ports []string
							for _, p := range to["ports"].([]any) {
								ports = append(ports, p.(string))
							}
							egress = append(egress, Connection{To: Ref{to["service"].(string), to["chart"].(string), to["kind"].(string), to["name"].(string)}, Ports: ports})
						}
						if !reflect.DeepEqual(egress, got.Egress) {
							t.Errorf("%s: %s egress %v, want %v", key, got.Ref, got.Egress, egress)
						}
						var ports []Port
						b, _ := json.Marshal(o["ports"])
						if err := json.Unmarshal(b, &ports); err != nil {
							t.Fatal(err)
						}
						if fmtList(o["images"]) != fmtList(got.Images) || fmtList(o["hash_fields"]) != fmtList(got.HashFields) {
							t.Errorf("%s: %s images or hash fields differ", key, got.Ref)
						}
						if !reflect.DeepEqual(ports, got.Ports) {
							t.Errorf("%s: %s ports %v, want %v", key, got.Ref, got.Ports, ports)
						}
					}
				}
			}
		}
		if n != len(g.Objects) {
			t.Errorf("%s: %d objects, the reference has %d", key, len(g.Objects), n)
		}
	}
}

// fmtList prints a list, empty and missing alike.
func fmtList(v any) string {
	b, _ := json.Marshal(v)
	if s := string(b); s != "null" && s != "[]" {
		return s
	}
	return ""
}

func cutFirst(key string) (string, string, bool) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return key, "", false
}

func labelsOf(o map[string]any) map[string]string {
	l, _ := o["pod_labels"].(map[string]any)
	if len(l) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range l {
		out[k] = v.(string)
	}
	return out
}

func readRef(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func testGraph() *Graph {
	db := Ref{"database", "mariadb", "StatefulSet", "mariadb-server"}
	g := &Graph{Objects: []Object{
		{Ref: Ref{"identity", "keystone", "Deployment", "keystone-api"}, Labels: map[string]string{"application": "keystone", "component": "api"},
			Egress: []Connection{{To: db, Ports: []string{"mysql"}}}},
		{Ref: Ref{"identity", "keystone", "Job", "keystone-db-sync"}, Labels: map[string]string{"application": "keystone", "component": "db-sync"},
			Egress: []Connection{{To: db, Ports: []string{"mysql"}}}},
		// Galera peers: another port set, another rule.
		{Ref: db, Labels: map[string]string{"application": "mariadb", "component": "server"},
			Ports:  []Port{{"mysql", 3306, "TCP"}, {"wsrep", 4567, "TCP"}},
			Egress: []Connection{{To: db, Ports: []string{"mysql", "wsrep"}}}},
		// No labels: no selector that would admit every pod.
		{Ref: Ref{"compute", "nova", "Job", "unlabelled"}, Egress: []Connection{{To: db, Ports: []string{"mysql"}}}},
		// A port the target does not declare, a target not in the graph.
		{Ref: Ref{"compute", "nova", "Job", "odd"}, Labels: map[string]string{"application": "nova"},
			Egress: []Connection{{To: db, Ports: []string{"nope"}}, {To: Ref{"x", "y", "Deployment", "z"}, Ports: []string{"mysql"}}}},
	}, byRef: map[Ref]*Object{}}
	for i := range g.Objects {
		g.byRef[g.Objects[i].Ref] = &g.Objects[i]
	}
	return g
}

func TestIngressRules(t *testing.T) {
	rules := testGraph().IngressRules()
	peer := func(labels ...string) any {
		ml := map[string]any{}
		for i := 0; i < len(labels); i += 2 {
			ml[labels[i]] = labels[i+1]
		}
		return map[string]any{"podSelector": map[string]any{"matchLabels": ml}}
	}
	port := func(p int) any { return map[string]any{"port": p, "protocol": "TCP"} }
	want := map[string]any{
		"database:mariadb:StatefulSet:mariadb-server": []any{
			map[string]any{"from": []any{peer("application", "keystone", "component", "api"), peer("application", "keystone", "component", "db-sync")}, "ports": []any{port(3306)}},
			map[string]any{"from": []any{peer("application", "mariadb", "component", "server")}, "ports": []any{port(3306), port(4567)}},
		},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Errorf("rules:\n%v\nwant\n%v", rules, want)
	}
	// Fresh on each call: a template changing its copy changes no other.
	rules["database:mariadb:StatefulSet:mariadb-server"].([]any)[0].(map[string]any)["from"] = nil
	if again := testGraph().IngressRules(); !reflect.DeepEqual(again, want) {
		t.Error("IngressRules shares its result")
	}
}

// TestRealGraphRules: on the real graph, the database admits the clients
// of the graph and only them; a pod the graph does not know is in no rule.
func TestRealGraphRules(t *testing.T) {
	g, err := GraphFor("epoxy", "ml2")
	if err != nil {
		t.Fatal(err)
	}
	rules := g.IngressRules()["database:mariadb:StatefulSet:mariadb-server"].([]any)
	var apps []string
	for _, r := range rules {
		for _, p := range r.(map[string]any)["from"].([]any) {
			ml := p.(map[string]any)["podSelector"].(map[string]any)["matchLabels"].(map[string]any)
			if len(ml) == 0 {
				t.Fatal("a peer with no labels")
			}
			apps = append(apps, ml["application"].(string)+"/"+ml["component"].(string))
		}
	}
	for _, want := range []string{"keystone/api", "nova/conductor", "glance/api", "mariadb/server"} {
		if !slices.Contains(apps, want) {
			t.Errorf("%s is not admitted to the database: %v", want, apps)
		}
	}
	for _, not := range []string{"memcached/server", "openvswitch/openvswitch-vswitchd", "horizon/"} {
		if slices.Contains(apps, not) {
			t.Errorf("%s is admitted to the database but does not connect to it", not)
		}
	}
	if _, err := GraphFor("zed-unknown", "ml2"); err == nil {
		t.Error("an unknown release has a graph")
	}
}
