package catalog

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
)

//go:embed graph/*.json
var graphFS embed.FS

// Ref names a child object of a service's chart.
type Ref struct {
	Service string `json:"service"`
	Chart   string `json:"chart"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
}

// String is the "<service>:<chart>:<Kind>:<name>" key templates index the
// network_policies argument with.
func (r Ref) String() string { return r.Service + ":" + r.Chart + ":" + r.Kind + ":" + r.Name }

// Port is a named port of an object's pods.
type Port struct {
	Name     string `json:"name"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

// Connection is an egress connection to another object's named ports.
type Connection struct {
	To    Ref      `json:"to"`
	Ports []string `json:"ports"`
}

// Object is one child object of a chart.
type Object struct {
	Ref
	// Labels are the labels of its pods.
	Labels map[string]string `json:"labels,omitempty"`
	Ports  []Port            `json:"ports,omitempty"`
	Egress []Connection      `json:"egress,omitempty"`
	// Images are the image keys its pods use.
	Images []string `json:"images,omitempty"`
	// Manifest is the manifests.<key> toggle that renders it ("" when none).
	Manifest string `json:"manifest,omitempty"`
	// HashFields are value paths whose change forces the object to be
	// re-created.
	HashFields []string `json:"hash_fields,omitempty"`
	// Dynamic objects exist per node (DaemonSets with per-node overrides).
	Dynamic bool `json:"dynamic,omitempty"`
}

// Graph is the child-object graph of one release and neutron backend.
type Graph struct {
	// Objects in a fixed order: service, chart, Kind, name.
	Objects []Object
	byRef   map[Ref]*Object
}

var (
	graphMu    sync.Mutex
	graphCache = map[string]*Graph{}
)

// GraphFor returns the graph of an OpenStack release with a neutron
// backend ("ml2/ovn" for OVN; any other backend has the ml2 graph).
func GraphFor(release, backend string) (*Graph, error) {
	key := release + "/ml2"
	if backend == "ml2/ovn" {
		key += "/ovn"
	}
	graphMu.Lock()
	defer graphMu.Unlock()
	var index map[string]string
	if err := readGraphFile("index.json", &index); err != nil {
		return nil, err
	}
	file, ok := index[key]
	if !ok {
		return nil, fmt.Errorf("no child-object graph for OpenStack release %q (backend %s)", release, key[len(release)+1:])
	}
	if g, ok := graphCache[file]; ok {
		return g, nil
	}
	g := &Graph{byRef: map[Ref]*Object{}}
	if err := readGraphFile(file, &g.Objects); err != nil {
		return nil, err
	}
	for i := range g.Objects {
		g.byRef[g.Objects[i].Ref] = &g.Objects[i]
	}
	graphCache[file] = g
	return g, nil
}

func readGraphFile(name string, v any) error {
	data, err := graphFS.ReadFile(path.Join("graph", name))
	if err != nil {
		return fmt.Errorf("child-object graph: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("child-object graph %s: %w", name, err)
	}
	return nil
}

// Object returns the object r names, or nil.
func (g *Graph) Object(r Ref) *Object { return g.byRef[r] }

// IngressRules are the NetworkPolicy ingress rules of every object that
// has clients, by Ref.String(): for every egress connection A → B:ports of
// the graph, a rule on B admitting A's pods (a podSelector on A's labels)
// on those of B's ports; rules of one target with the same port set are
// one rule with several peers. Every client of the graph counts, whether
// its service is enabled or not, as the original. A client without pod
// labels gets no rule (its selector would admit every pod), nor does a
// port name the target does not declare.
//
// The result is fresh on each call (templates may not share it).
func (g *Graph) IngressRules() map[string]any {
	type rule struct {
		ports []any
		from  []any
	}
	rules := map[string][]*rule{}
	bySet := map[string]*rule{}
	for _, client := range g.Objects {
		if len(client.Labels) == 0 {
			continue
		}
		for _, c := range client.Egress {
			target := g.byRef[c.To]
			if target == nil {
				continue
			}
			var ports []any
			var names []string
			for _, name := range c.Ports {
				i := slices.IndexFunc(target.Ports, func(p Port) bool { return p.Name == name })
				if i < 0 {
					continue
				}
				p := target.Ports[i]
				ports = append(ports, map[string]any{"port": p.Port, "protocol": p.Protocol})
				names = append(names, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
			}
			if len(ports) == 0 {
				continue
			}
			slices.Sort(names)
			key := c.To.String() + " " + strings.Join(slices.Compact(names), ",")
			r, ok := bySet[key]
			if !ok {
				r = &rule{ports: ports}
				bySet[key] = r
				rules[c.To.String()] = append(rules[c.To.String()], r)
			}
			labels := map[string]any{}
			for k, v := range client.Labels {
				labels[k] = v
			}
			r.from = append(r.from, map[string]any{"podSelector": map[string]any{"matchLabels": labels}})
		}
	}
	out := make(map[string]any, len(rules))
	for target, rs := range rules {
		list := make([]any, 0, len(rs))
		for _, r := range rs {
			list = append(list, map[string]any{"from": r.from, "ports": r.ports})
		}
		out[target] = list
	}
	return out
}
