package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// chartCache loads charts once.
type chartCache struct {
	dir    string
	mu     sync.Mutex
	charts map[string]*loadedChart
}

type loadedChart struct {
	chart  *chart.Chart
	digest string // of every file of the chart and its dependencies
}

func (c *chartCache) get(group, name string) (*loadedChart, error) {
	key := group + "/" + name
	c.mu.Lock()
	defer c.mu.Unlock()
	if lc, ok := c.charts[key]; ok {
		return lc, nil
	}
	ch, err := loadWithFileDependencies(filepath.Join(c.dir, group, name))
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", key, err)
	}
	lc := &loadedChart{chart: ch, digest: chartDigest(ch)}
	if c.charts == nil {
		c.charts = map[string]*loadedChart{}
	}
	c.charts[key] = lc
	return lc, nil
}

// loadWithFileDependencies loads a chart directory and resolves its
// file:// dependencies from disk, as `helm dependency build` would, in
// memory.
func loadWithFileDependencies(dir string) (*chart.Chart, error) {
	ch, err := loader.Load(dir)
	if err != nil {
		return nil, err
	}
	if ch.Metadata == nil {
		return ch, nil
	}
	for _, dep := range ch.Metadata.Dependencies {
		if dep == nil || !strings.HasPrefix(dep.Repository, "file://") {
			continue
		}
		present := false
		for _, sub := range ch.Dependencies() {
			if sub.Name() == dep.Name {
				present = true
			}
		}
		if present {
			continue
		}
		path := filepath.Join(dir, strings.TrimPrefix(dep.Repository, "file://"))
		sub, err := loadWithFileDependencies(path)
		if err != nil {
			return nil, fmt.Errorf("dependency %s (%s): %w", dep.Name, dep.Repository, err)
		}
		ch.AddDependency(sub)
	}
	return ch, nil
}

// chartDigest hashes the metadata, templates, values and files of a chart
// and its dependencies.
func chartDigest(ch *chart.Chart) string {
	h := sha256.New()
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		meta, _ := json.Marshal(c.Metadata)
		h.Write(meta)
		files := append(append([]*chart.File{}, c.Templates...), c.Files...)
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		for _, f := range files {
			fmt.Fprintf(h, "\x00%s\x00%d\x00", f.Name, len(f.Data))
			h.Write(f.Data)
		}
		vals, _ := json.Marshal(c.Values)
		h.Write(vals)
		deps := append([]*chart.Chart{}, c.Dependencies()...)
		sort.Slice(deps, func(i, j int) bool { return deps[i].Name() < deps[j].Name() })
		for _, d := range deps {
			walk(d)
		}
	}
	walk(ch)
	return hex.EncodeToString(h.Sum(nil))
}

// releaseDigest is what decides whether an upgrade is needed: the chart
// (with dependencies) and the final values.
func releaseDigest(chartDigest string, values map[string]any) (string, error) {
	vals, err := json.Marshal(values) // map keys are sorted: canonical
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(chartDigest+"\x00"), vals...))
	// Label values are at most 63 characters.
	return hex.EncodeToString(sum[:])[:40], nil
}
