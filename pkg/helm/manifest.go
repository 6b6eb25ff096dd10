package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"
)

type manifestObject struct {
	gvk schema.GroupVersionKind
	obj *unstructured.Unstructured
}

// parseManifest indexes the objects of a rendered manifest by Kind/name.
func parseManifest(manifest string) (map[string]manifestObject, error) {
	out := map[string]manifestObject{}
	for _, doc := range strings.Split(manifest, "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, err
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue
		}
		if err := json.Unmarshal(j, &u.Object); err != nil {
			return nil, err
		}
		if u.GetKind() == "" {
			continue
		}
		out[u.GetKind()+"/"+u.GetName()] = manifestObject{gvk: u.GroupVersionKind(), obj: u}
	}
	return out, nil
}

// manifestObjects renders r (from a fresh copy of its chart: rendering
// modifies the chart) and indexes the objects.
func (m *Manager) manifestObjects(ctx context.Context, r Release) (map[string]manifestObject, error) {
	ch, err := m.Chart(r.Group, r.Chart)
	if err != nil {
		return nil, err
	}
	manifest, err := m.render(ctx, r, ch)
	if err != nil {
		return nil, err
	}
	return parseManifest(manifest)
}

// deleteChangedJobs deletes the Jobs of the deployed release whose pod
// template the new values change, so that the upgrade recreates them and
// they run again (their spec.template is immutable anyway). Jobs whose
// template is unchanged are left alone.
func (m *Manager) deleteChangedJobs(ctx context.Context, cfg *action.Configuration, r Release) error {
	deployed, err := cfg.Releases.Deployed(r.Name)
	if err != nil {
		return nil // nothing deployed (a failed release): nothing to compare
	}
	oldObjs, err := parseManifest(deployed.Manifest)
	if err != nil {
		return fmt.Errorf("reading the deployed manifest: %w", err)
	}
	hasJobs := false
	for _, o := range oldObjs {
		if o.gvk.Kind == "Job" {
			hasJobs = true
		}
	}
	if !hasJobs {
		return nil
	}
	newObjs, err := m.manifestObjects(ctx, r)
	if err != nil {
		return err
	}
	for key, old := range oldObjs {
		if old.gvk.Kind != "Job" || old.gvk.Group != "batch" {
			continue
		}
		cur, ok := newObjs[key]
		if !ok {
			continue // removed from the chart: Helm deletes it
		}
		a, _, _ := unstructured.NestedFieldNoCopy(old.obj.Object, "spec", "template")
		b, _, _ := unstructured.NestedFieldNoCopy(cur.obj.Object, "spec", "template")
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if bytes.Equal(ja, jb) {
			continue
		}
		klog.FromContext(ctx).Info("Deleting a Job whose pod template changed, so that it runs again", "job", old.obj.GetName())
		if err := m.deleteAndWait(ctx, old.gvk, r.Namespace, old.obj.GetName()); err != nil {
			return err
		}
	}
	return nil
}
