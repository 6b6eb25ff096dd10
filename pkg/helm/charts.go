package helm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// ChartDigestAnnotation is the chart annotation, written into the chart
// stored with every revision this package makes, holding the digest of the
// chart's files and of its dependencies' files. The stored chart keeps no
// dependency and no raw file, so the digest travels with it: a chart
// replaced by anybody else (helm upgrade by hand) carries no such
// annotation, or another one.
const ChartDigestAnnotation = "rockoon.dev/chart-digest"

// chartCache loads every chart once, from a directory or a chart
// repository, and is safe for concurrent use: different charts load in
// parallel, one chart loads once. Load errors are not cached.
type chartCache struct {
	dir     string
	repoURL string
	version string       // of the charts of repoURL: a version or constraint
	client  *http.Client // for repoURL

	mu      sync.Mutex
	entries map[string]*chartEntry
}

type chartEntry struct {
	mu     sync.Mutex
	loaded *loadedChart
}

// loadedChart is a chart as loaded, with its dependencies. It is never
// handed out nor modified: Helm modifies the chart an action is given
// (dependency processing), so every user gets a copy (copyChart).
type loadedChart struct {
	pristine *chart.Chart
	digest   string // of every file of the chart and of its dependencies
}

func (lc *loadedChart) version() string {
	if lc.pristine.Metadata == nil {
		return ""
	}
	return lc.pristine.Metadata.Version
}

// forRelease is the copy handed to an install or upgrade: it carries the
// chart digest annotation.
func (lc *loadedChart) forRelease() *chart.Chart {
	c := copyChart(lc.pristine)
	if c.Metadata.Annotations == nil {
		c.Metadata.Annotations = map[string]string{}
	}
	c.Metadata.Annotations[ChartDigestAnnotation] = lc.digest
	return c
}

func (c *chartCache) get(group, name string) (*loadedChart, error) {
	key := group + "/" + name
	if !plainName(group) || !plainName(name) {
		return nil, fmt.Errorf("chart %s: group and name must be plain directory names", key)
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*chartEntry{}
	}
	e, ok := c.entries[key]
	if !ok {
		e = &chartEntry{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded != nil {
		return e.loaded, nil
	}
	var (
		ch  *chart.Chart
		err error
	)
	if c.repoURL != "" {
		ch, err = loadFromRepository(c.client, c.repoURL, name, c.version)
	} else {
		ch, err = loadDir(filepath.Join(c.dir, group, name), map[string]bool{})
	}
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", key, err)
	}
	if ch.Metadata == nil {
		return nil, fmt.Errorf("chart %s: no Chart.yaml", key)
	}
	e.loaded = &loadedChart{pristine: ch, digest: chartDigest(ch)}
	return e.loaded, nil
}

func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`)
}

// loadDir loads a chart directory and resolves its file:// dependencies
// in memory, as `helm dependency build` would on disk: each is loaded from
// its directory (relative to the chart directory) with its own file://
// dependencies, unless the chart already vendors a chart of that name under
// charts/, which wins.
func loadDir(dir string, visiting map[string]bool) (*chart.Chart, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("chart directory %s: %w", dir, err)
	}
	if visiting[abs] {
		return nil, fmt.Errorf("file:// dependency cycle through %s", abs)
	}
	visiting[abs] = true
	defer delete(visiting, abs)

	ch, err := loader.Load(abs)
	if err != nil {
		return nil, err
	}
	if ch.Metadata == nil {
		return ch, nil
	}
	for _, dep := range ch.Metadata.Dependencies {
		if dep == nil || !strings.HasPrefix(dep.Repository, "file://") || hasDependency(ch, dep.Name) {
			continue
		}
		path := strings.TrimPrefix(dep.Repository, "file://")
		if !filepath.IsAbs(path) {
			path = filepath.Join(abs, path)
		}
		sub, err := loadDir(path, visiting)
		if err != nil {
			return nil, fmt.Errorf("dependency %s (%s): %w", dep.Name, dep.Repository, err)
		}
		if sub.Name() != dep.Name {
			return nil, fmt.Errorf("dependency %s (%s): the chart there is named %q", dep.Name, dep.Repository, sub.Name())
		}
		ch.AddDependency(sub)
	}
	return ch, nil
}

func hasDependency(ch *chart.Chart, name string) bool {
	for _, d := range ch.Dependencies() {
		if d.Name() == name {
			return true
		}
	}
	return false
}

// copyChart copies what Helm's dependency processing and rendering modify
// (metadata, dependency entries, values, the dependency tree); file
// contents are shared, nothing writes them.
func copyChart(src *chart.Chart) *chart.Chart {
	dst := &chart.Chart{
		Raw:       src.Raw,
		Lock:      src.Lock,
		Schema:    src.Schema,
		Templates: slices.Clone(src.Templates),
		Files:     slices.Clone(src.Files),
		Values:    copyMap(src.Values),
	}
	if src.Metadata != nil {
		md := *src.Metadata
		md.Annotations = maps.Clone(src.Metadata.Annotations)
		if src.Metadata.Dependencies != nil {
			md.Dependencies = make([]*chart.Dependency, len(src.Metadata.Dependencies))
			for i, d := range src.Metadata.Dependencies {
				if d != nil {
					dd := *d
					md.Dependencies[i] = &dd
				}
			}
		}
		dst.Metadata = &md
	}
	for _, d := range src.Dependencies() {
		dst.AddDependency(copyChart(d))
	}
	return dst
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return copyMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = copyValue(e)
		}
		return out
	default:
		return v
	}
}

// chartDigest hashes every file of a chart (Chart.yaml, values.yaml,
// templates, files, vendored charts) and, recursively, of its
// dependencies.
func chartDigest(ch *chart.Chart) string {
	h := sha256.New()
	var walk func(path string, c *chart.Chart)
	walk = func(path string, c *chart.Chart) {
		fmt.Fprintf(h, "chart\x00%s\x00", path)
		files := slices.Clone(c.Raw)
		if len(files) == 0 { // a chart built in memory
			// Metadata and values read from YAML always encode; an
			// error would only leave them out of the digest.
			meta, _ := json.Marshal(c.Metadata)
			vals, _ := json.Marshal(c.Values)
			files = append(append(slices.Clone(c.Templates), c.Files...),
				&chart.File{Name: "\x00metadata", Data: meta}, &chart.File{Name: "\x00values", Data: vals})
		}
		slices.SortFunc(files, func(a, b *chart.File) int { return strings.Compare(a.Name, b.Name) })
		for _, f := range files {
			fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Data))
			h.Write(f.Data)
		}
		deps := slices.Clone(c.Dependencies())
		slices.SortFunc(deps, func(a, b *chart.Chart) int { return strings.Compare(a.Name(), b.Name()) })
		for _, d := range deps {
			walk(path+"/"+d.Name(), d)
		}
	}
	walk(ch.Name(), ch)
	return hex.EncodeToString(h.Sum(nil))
}

// releaseDigest is what decides whether a release must be upgraded: the
// chart version, the digest of the chart's and its dependencies' files and
// the canonical JSON (sorted keys) of the values.
func releaseDigest(version, chartDigest string, values map[string]any) (string, error) {
	if values == nil {
		values = map[string]any{}
	}
	vals, err := json.Marshal(values)
	if err != nil {
		return "", fmt.Errorf("encoding values: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", version, chartDigest)
	h.Write(vals)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// validateRepository checks the chart repository options: a version is
// required, and the URL must be https:// (or http:// when allowed).
func validateRepository(opts Options) error {
	if opts.ChartRepository == "" {
		return nil
	}
	if opts.ChartVersion == "" {
		return fmt.Errorf("helm: chart repository %s: a chart version (or semver constraint) is required: the newest version is never taken silently", opts.ChartRepository)
	}
	u, err := url.Parse(opts.ChartRepository)
	if err != nil {
		return fmt.Errorf("helm: chart repository %q: %w", opts.ChartRepository, err)
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
	case u.Scheme == "http" && u.Host != "":
		if !opts.AllowInsecureChartRepository {
			return fmt.Errorf("helm: chart repository %s: plain http:// is refused (charts would be downloaded unauthenticated): use https://, or allow an insecure chart repository explicitly", opts.ChartRepository)
		}
	default:
		return fmt.Errorf("helm: chart repository %q: not an http(s) URL", opts.ChartRepository)
	}
	return nil
}

// loadFromRepository downloads the version of a chart matching version (a
// version or a semver constraint; the newest match) from a Helm chart
// repository (index.yaml, packaged charts with their dependencies) and
// checks the archive against the sha256 digest of its index entry.
func loadFromRepository(client *http.Client, repoURL, name, version string) (*chart.Chart, error) {
	if version == "" {
		return nil, fmt.Errorf("chart repository %s: no chart version given", repoURL)
	}
	base, err := url.Parse(strings.TrimSuffix(repoURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("chart repository %q: %w", repoURL, err)
	}
	indexData, err := httpGet(client, base.ResolveReference(&url.URL{Path: "index.yaml"}).String())
	if err != nil {
		return nil, fmt.Errorf("chart repository %s: %w", repoURL, err)
	}
	var index repo.IndexFile
	if err := yaml.Unmarshal(indexData, &index); err != nil {
		return nil, fmt.Errorf("chart repository %s: index.yaml: %w", repoURL, err)
	}
	index.SortEntries()
	cv, err := index.Get(name, version)
	if err != nil {
		return nil, fmt.Errorf("chart repository %s: chart %s version %q: %w", repoURL, name, version, err)
	}
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("chart repository %s: %s %s has no URL", repoURL, name, cv.Version)
	}
	ref, err := url.Parse(cv.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("chart repository %s: %s %s: %w", repoURL, name, cv.Version, err)
	}
	archiveURL := base.ResolveReference(ref).String()
	want := strings.ToLower(strings.TrimPrefix(cv.Digest, "sha256:"))
	if want == "" {
		return nil, fmt.Errorf("chart %s %s (%s): the repository index gives no digest to check the archive against", name, cv.Version, archiveURL)
	}
	archive, err := httpGet(client, archiveURL)
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: %w", name, cv.Version, err)
	}
	sum := sha256.Sum256(archive)
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, fmt.Errorf("chart %s %s (%s): sha256 %s differs from the digest %s of the repository index", name, cv.Version, archiveURL, got, want)
	}
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("chart %s %s (%s): %w", name, cv.Version, archiveURL, err)
	}
	return ch, nil
}

var httpClient = &http.Client{Timeout: 2 * time.Minute}

const maxArchive = 256 << 20

func httpGet(client *http.Client, u string) ([]byte, error) {
	resp, err := client.Get(u)
	if err != nil {
		return nil, err // the error names the URL
	}
	defer func() { _ = resp.Body.Close() }() // read in full (or capped) already
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxArchive+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(b) > maxArchive {
		return nil, fmt.Errorf("GET %s: more than %d MiB", u, maxArchive>>20)
	}
	return b, nil
}
