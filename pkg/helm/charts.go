package helm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// chartCache loads charts once, from a directory or a chart repository.
type chartCache struct {
	dir     string
	repoURL string
	mu      sync.Mutex
	charts  map[string]*loadedChart
}

// loadedChart is a chart found once; every action gets a fresh copy
// (fresh), because Helm modifies the chart it is given (dependency
// processing) and actions run in parallel.
type loadedChart struct {
	digest  string // of every file of the chart and its dependencies
	dir     string // a chart directory, or
	archive []byte // a packaged chart from a repository
}

func (lc *loadedChart) fresh() (*chart.Chart, error) {
	if lc.archive != nil {
		return loader.LoadArchive(bytes.NewReader(lc.archive))
	}
	return loadWithFileDependencies(lc.dir)
}

func (c *chartCache) get(group, name string) (*loadedChart, error) {
	key := group + "/" + name
	c.mu.Lock()
	defer c.mu.Unlock()
	if lc, ok := c.charts[key]; ok {
		return lc, nil
	}
	lc := &loadedChart{}
	if c.repoURL != "" {
		archive, err := fetchFromRepository(c.repoURL, name)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", key, err)
		}
		lc.archive = archive
	} else {
		lc.dir = filepath.Join(c.dir, group, name)
	}
	ch, err := lc.fresh()
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", key, err)
	}
	lc.digest = chartDigest(ch)
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

// fetchFromRepository downloads the newest version of a chart from a Helm
// chart repository (index.yaml, packaged charts with their dependencies).
func fetchFromRepository(repoURL, name string) ([]byte, error) {
	base, err := url.Parse(strings.TrimSuffix(repoURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("chart repository %q: %w", repoURL, err)
	}
	indexData, err := httpGet(base.ResolveReference(&url.URL{Path: "index.yaml"}).String())
	if err != nil {
		return nil, err
	}
	var index repo.IndexFile
	if err := yaml.Unmarshal(indexData, &index); err != nil {
		return nil, fmt.Errorf("chart repository %s: index.yaml: %w", repoURL, err)
	}
	index.SortEntries()
	cv, err := index.Get(name, "")
	if err != nil {
		return nil, fmt.Errorf("chart repository %s: %w", repoURL, err)
	}
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("chart repository %s: %s %s has no URL", repoURL, name, cv.Version)
	}
	ref, err := url.Parse(cv.URLs[0])
	if err != nil {
		return nil, err
	}
	return httpGet(base.ResolveReference(ref).String())
}

var httpClient = &http.Client{Timeout: 2 * time.Minute}

func httpGet(u string) ([]byte, error) {
	resp, err := httpClient.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
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
