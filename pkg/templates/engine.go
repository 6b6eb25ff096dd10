package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/layering"
	tmplfs "rockoon.dev/rockoon/templates"
)

// Error is a template that failed to parse, execute or produce YAML. It
// names the template, and the line when known (for invalid YAML, the line
// of the rendered output).
type Error struct {
	Template string
	Line     int
	Err      error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("template %s line %d: %v", e.Template, e.Line, e.Err)
	}
	return fmt.Sprintf("template %s: %v", e.Template, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Engine renders templates from a file system laid out as the module's
// templates/ directory.
type Engine struct {
	fsys fs.FS
}

// New returns an engine over the embedded templates.
func New() *Engine { return &Engine{fsys: tmplfs.FS} }

// NewFromFS returns an engine over fsys (tests, or templates overridden on
// disk).
func NewFromFS(fsys fs.FS) *Engine { return &Engine{fsys: fsys} }

// Services lists the service keys that have a template, sorted.
func (e *Engine) Services() ([]string, error) {
	entries, err := fs.ReadDir(e.fsys, "services")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, en := range entries {
		if name, ok := strings.CutSuffix(en.Name(), ".yaml"); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// HasService reports whether a service key has a template.
func (e *Engine) HasService(svc string) bool {
	_, err := fs.Stat(e.fsys, path.Join("services", svc+".yaml"))
	return err == nil
}

// Preset renders the preset name: presets/base.yaml, the part every
// preset shares, with presets/<name>.yaml merged over it (the merge rules
// of the merged spec). Both see the data plus .preset, the preset's name.
func (e *Engine) Preset(name string, data map[string]any) (map[string]any, error) {
	const baseName = "presets/base.yaml"
	ownName := path.Join("presets", name+".yaml")
	if ownName == baseName {
		return nil, &Error{Template: ownName, Err: errors.New("not a preset: the part every preset shares")}
	}
	vars := map[string]any{"preset": name}
	for k, v := range data {
		vars[k] = v
	}
	own, err := e.renderMap(ownName, vars, nil)
	if err != nil {
		return nil, err
	}
	base, err := e.renderMap(baseName, vars, nil)
	if err != nil {
		return nil, err
	}
	out, err := layering.Merge(base, own)
	if err != nil {
		return nil, &Error{Template: ownName, Err: fmt.Errorf("merging over %s: %w", baseName, err)}
	}
	return out.(map[string]any), nil
}

// Size renders sizes/<name>.yaml.
func (e *Engine) Size(name string, data map[string]any) (map[string]any, error) {
	return e.renderMap(path.Join("sizes", name+".yaml"), data, nil)
}

// Artifacts renders <version>/artifacts.yaml: image key → reference, with
// {{ images_base_url }} and {{ binary_base_url }} substituted.
func (e *Engine) Artifacts(version, imagesBaseURL, binaryBaseURL string) (map[string]string, error) {
	name := path.Join(version, "artifacts.yaml")
	m, err := e.renderMap(name, nil, template.FuncMap{
		"images_base_url": func() string { return imagesBaseURL },
		"binary_base_url": func() string { return binaryBaseURL },
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		out[k] = s
	}
	return out, nil
}

// Service renders services/<svc>.yaml and returns its releases, each
// {name, chart, values}.
//
// The template gets its own deep copy of data: what it changes (sprig's
// set, unset, …) no other template sees.
func (e *Engine) Service(svc string, data map[string]any) ([]map[string]any, error) {
	name := path.Join("services", svc+".yaml")
	own, _ := layering.DeepCopy(data).(map[string]any)
	m, err := e.renderMap(name, own, nil)
	if err != nil {
		return nil, err
	}
	raw, _ := m["releases"].([]any)
	releases := make([]map[string]any, 0, len(raw))
	for i, r := range raw {
		rm, ok := r.(map[string]any)
		if !ok {
			return nil, &Error{Template: name, Err: fmt.Errorf("releases[%d] is not a map", i)}
		}
		for _, k := range []string{"name", "chart"} {
			if s, _ := rm[k].(string); s == "" {
				return nil, &Error{Template: name, Err: fmt.Errorf("releases[%d] has no %s", i, k)}
			}
		}
		if _, ok := rm["values"].(map[string]any); !ok {
			rm["values"] = map[string]any{}
		}
		releases = append(releases, rm)
	}
	return releases, nil
}

func (e *Engine) renderMap(name string, data map[string]any, extra template.FuncMap) (map[string]any, error) {
	src, err := fs.ReadFile(e.fsys, name)
	if err != nil {
		return nil, &Error{Template: name, Err: err}
	}
	funcs := FuncMap()
	// file returns an embedded file verbatim (configuration snippets that
	// contain template syntax of the charts themselves).
	funcs["file"] = func(path string) (string, error) {
		b, err := fs.ReadFile(e.fsys, path)
		return string(b), err
	}
	for k, v := range extra {
		funcs[k] = v
	}
	// A missing key is an error naming the template, line and column
	// (optional inputs are read with index, dig or hasKey).
	// include renders a named block of blocks.tpl (or of the template
	// itself) to a string, as Helm's.
	var tpl *template.Template
	funcs["include"] = func(block string, data any) (string, error) {
		var b bytes.Buffer
		err := tpl.ExecuteTemplate(&b, block, data)
		return b.String(), err
	}
	blocks, err := fs.ReadFile(e.fsys, BlocksFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{Template: BlocksFile, Err: err}
	}
	tpl, err = template.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(blocks))
	if err != nil {
		return nil, &Error{Template: BlocksFile, Err: err}
	}
	if tpl, err = tpl.Parse(string(src)); err != nil {
		return nil, &Error{Template: name, Err: err}
	}
	var out bytes.Buffer
	if err := tpl.Execute(&out, data); err != nil {
		return nil, &Error{Template: name, Err: err}
	}
	// A nil value printed (a key present with no value): never in the
	// output, where it would read "<no value>".
	if i := bytes.Index(out.Bytes(), []byte(noValue)); i >= 0 {
		line := bytes.Count(out.Bytes()[:i], []byte("\n")) + 1
		return nil, &Error{Template: name, Line: line, Err: fmt.Errorf("a value printed is missing (%s in the rendered output)", noValue)}
	}
	j, err := yaml.YAMLToJSON(out.Bytes())
	if err != nil {
		return nil, &Error{Template: name, Line: yamlErrorLine(err), Err: fmt.Errorf("rendered YAML is invalid: %w", err)}
	}
	v, err := layering.FromJSON(j)
	if err != nil {
		return nil, &Error{Template: name, Err: err}
	}
	if v == nil {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Template: name, Err: errors.New("the rendered document is not a map")}
	}
	return m, nil
}

func yamlErrorLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		_, _ = fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return line
}

// BlocksFile holds the named blocks every template may include.
const BlocksFile = "blocks.tpl"

// noValue is what text/template prints for a nil value.
const noValue = "<no value>"

// unsafeFuncs are sprig's functions that read the controller's
// environment or the network: removed, as Helm removes them, so that a
// template's output depends on its inputs only.
var unsafeFuncs = []string{"env", "expandenv", "getHostByName"}

// FuncMap is sprig's text functions (without unsafeFuncs) plus toYaml, fromYaml, toJson,
// required, imageTags (the subset of an image map with the given keys),
// osVersion (ordinal of a release), osVersionAtLeast and osVersionBefore.
func FuncMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	for _, name := range unsafeFuncs {
		delete(f, name)
	}
	f["toYaml"] = func(v any) (string, error) {
		b, err := yaml.Marshal(v)
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(string(b), "\n"), nil
	}
	f["fromYaml"] = func(s string) (any, error) {
		j, err := yaml.YAMLToJSON([]byte(s))
		if err != nil {
			return nil, err
		}
		return layering.FromJSON(j)
	}
	f["toJson"] = func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}
	f["required"] = func(msg string, v any) (any, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["imageTags"] = func(images map[string]string, keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			if v, ok := images[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	f["osVersion"] = VersionOrdinal
	f["osVersionNext"] = NextVersion
	f["osVersionAtLeast"] = func(version, min string) bool { return VersionOrdinal(version) >= VersionOrdinal(min) }
	f["osVersionBefore"] = func(version, max string) bool { return VersionOrdinal(version) < VersionOrdinal(max) }
	return f
}
