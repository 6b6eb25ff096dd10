// Command gen-graph converts the original controller's child-object graph
// (../shared/reference-fixtures/child-objects: per release and neutron
// backend, {service: {chart: {Kind: {name: object}}}}) into the graph data
// this project owns, pkg/catalog/graph/*.json: one flat list of objects
// per graph, in a fixed order (service, chart, Kind, name), and an index
// from "<release>/<backend>" to the file.
//
// Reproducible: run from the repository root,
//
//	go run ./hack/gen-graph [-from ../shared/reference-fixtures/child-objects] [-to pkg/catalog/graph]
//
// and TestGraphMatchesTheReference (pkg/catalog) checks the result against
// the reference facts.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"rockoon.dev/rockoon/pkg/catalog"
)

// reference is the original's format.
type reference map[string]map[string]map[string]map[string]struct {
	PodLabels   map[string]string `json:"pod_labels"`
	Ports       []catalog.Port    `json:"ports"`
	Connections struct {
		Egress []struct {
			To struct {
				Service, Chart, Kind, Name string
				Ports                      []string
			} `json:"to_child_object"`
		} `json:"egress"`
	} `json:"connections"`
	Images     []string `json:"images"`
	Manifest   string   `json:"manifest"`
	HashFields []string `json:"hash_fields"`
	Type       string   `json:"type"`
}

func main() {
	from := flag.String("from", "../shared/reference-fixtures/child-objects", "the original's child-object graph")
	to := flag.String("to", "pkg/catalog/graph", "output directory")
	flag.Parse()
	var index map[string]string
	if err := readJSON(filepath.Join(*from, "index.json"), &index); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*to, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, file := range slices.Sorted(maps.Values(index)) {
		var ref reference
		if err := readJSON(filepath.Join(*from, file), &ref); err != nil {
			log.Fatal(err)
		}
		if err := write(filepath.Join(*to, file), convert(ref)); err != nil {
			log.Fatal(err)
		}
	}
	b, err := json.MarshalIndent(index, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*to, "index.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func convert(ref reference) []catalog.Object {
	var out []catalog.Object
	for _, svc := range slices.Sorted(maps.Keys(ref)) {
		for _, chart := range slices.Sorted(maps.Keys(ref[svc])) {
			for _, kind := range slices.Sorted(maps.Keys(ref[svc][chart])) {
				objs := ref[svc][chart][kind]
				for _, name := range slices.Sorted(maps.Keys(objs)) {
					o := objs[name]
					obj := catalog.Object{
						Ref:    catalog.Ref{Service: svc, Chart: chart, Kind: kind, Name: name},
						Labels: o.PodLabels, Ports: o.Ports, Images: o.Images,
						Manifest: o.Manifest, HashFields: o.HashFields, Dynamic: o.Type == "dynamic",
					}
					for _, e := range o.Connections.Egress {
						obj.Egress = append(obj.Egress, catalog.Connection{
							To:    catalog.Ref{Service: e.To.Service, Chart: e.To.Chart, Kind: e.To.Kind, Name: e.To.Name},
							Ports: e.To.Ports,
						})
					}
					out = append(out, obj)
				}
			}
		}
	}
	return out
}

// write stores one object per line: small diffs when the graph changes.
func write(path string, objs []catalog.Object) error {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, o := range objs {
		line, err := json.Marshal(o)
		if err != nil {
			return err
		}
		b.Write(line)
		if i < len(objs)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
