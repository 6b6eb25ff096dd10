package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"
)

// deleteTimeout bounds the wait for a deleted object to be gone.
const deleteTimeout = 2 * time.Minute

var jobGVK = schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "Job"}

type manifestObject struct {
	gvk       schema.GroupVersionKind
	namespace string // the manifest's, or the release namespace
	obj       *unstructured.Unstructured
}

type manifestObjects []manifestObject

// parseManifest reads the objects of a release manifest; objects naming no
// namespace are in namespace.
func parseManifest(manifest, namespace string) (manifestObjects, error) {
	var out manifestObjects
	for _, doc := range releaseutil.SplitManifests(manifest) {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			return nil, fmt.Errorf("parsing a manifest document: %w", err)
		}
		if u.Object == nil || u.GetKind() == "" {
			continue
		}
		ns := u.GetNamespace()
		if ns == "" {
			ns = namespace
		}
		out = append(out, manifestObject{gvk: u.GroupVersionKind(), namespace: ns, obj: u})
	}
	return out, nil
}

func (objs manifestObjects) byKindName(kind, name string) (manifestObject, bool) {
	for _, o := range objs {
		if o.gvk.Kind == kind && o.obj.GetName() == name {
			return o, true
		}
	}
	return manifestObject{}, false
}

// jobs indexes the batch/v1 Jobs by namespace/name.
func (objs manifestObjects) jobs() map[string]manifestObject {
	out := map[string]manifestObject{}
	for _, o := range objs {
		if o.gvk == jobGVK {
			out[o.namespace+"/"+o.obj.GetName()] = o
		}
	}
	return out
}

// jobRerun is the post-renderer of an upgrade that makes Jobs run again
// when their pod template changes: it sees exactly the manifest Helm is
// about to apply (rendered with the cluster's capabilities), compares every
// Job in it with the same Job of the deployed revision and deletes the live
// Job whose spec.template differs (new image, changed config hash
// annotation, args…), so that the upgrade creates it anew. Unchanged Jobs
// are left alone. The manifest is returned as it is.
type jobRerun struct {
	ctx       context.Context
	m         *Manager
	namespace string
	deployed  map[string]manifestObject
}

// jobRerunner returns the post-renderer for an upgrade of the release, nil
// when the deployed revision has no Job (or there is no deployed revision).
func (m *Manager) jobRerunner(ctx context.Context, cfg *action.Configuration, name, namespace string) (*jobRerun, error) {
	deployed, err := cfg.Releases.Deployed(name)
	if errors.Is(err, driver.ErrNoDeployedReleases) || errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the deployed revision of %s: %w", name, err)
	}
	objs, err := parseManifest(deployed.Manifest, namespace)
	if err != nil {
		return nil, fmt.Errorf("reading the deployed manifest of %s: %w", name, err)
	}
	jobs := objs.jobs()
	if len(jobs) == 0 {
		return nil, nil
	}
	return &jobRerun{ctx: ctx, m: m, namespace: namespace, deployed: jobs}, nil
}

// Run implements postrender.PostRenderer.
func (j *jobRerun) Run(rendered *bytes.Buffer) (*bytes.Buffer, error) {
	objs, err := parseManifest(rendered.String(), j.namespace)
	if err != nil {
		return nil, err
	}
	for key, cur := range objs.jobs() {
		old, ok := j.deployed[key]
		if !ok {
			continue // a new Job: Helm creates it
		}
		a, _, _ := unstructured.NestedFieldNoCopy(old.obj.Object, "spec", "template")
		b, _, _ := unstructured.NestedFieldNoCopy(cur.obj.Object, "spec", "template")
		if reflect.DeepEqual(a, b) {
			continue
		}
		klog.FromContext(j.ctx).Info("Deleting a Job whose pod template changed, so that it runs again", "job", klog.KRef(old.namespace, old.obj.GetName()))
		if err := j.m.deleteAndWait(j.ctx, jobGVK, old.namespace, old.obj.GetName()); err != nil {
			return nil, err
		}
	}
	return rendered, nil
}

// deleteAndWait deletes an object (background propagation; a missing one
// is fine) and waits, bounded, until it is gone.
func (m *Manager) deleteAndWait(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) error {
	mapping, err := m.getter.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", gvk.Kind, namespace, name, err)
	}
	var client dynamic.ResourceInterface = m.dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		client = m.dynamic.Resource(mapping.Resource).Namespace(namespace)
	}
	policy := metav1.DeletePropagationBackground
	err = client.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", gvk.Kind, namespace, name, err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, deleteTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := client.Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %s %s/%s to be gone: %w", gvk.Kind, namespace, name, err)
	}
	return nil
}
