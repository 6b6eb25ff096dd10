package helm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
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

// changedJobs returns the Jobs of the manifest about to be applied whose
// pod template (spec.template: new image, changed config hash annotation,
// args…) differs from the same Job of the deployed revision: they are
// deleted before the upgrade so that it creates them anew and they run
// again. Unchanged Jobs, and Jobs new to the manifest, are not returned.
// None when there is no deployed revision.
func (m *Manager) changedJobs(cfg *action.Configuration, name, namespace, manifest string) ([]manifestObject, error) {
	deployed, err := cfg.Releases.Deployed(name)
	if errors.Is(err, driver.ErrNoDeployedReleases) || errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the deployed revision of release %s/%s: %w", namespace, name, err)
	}
	old, err := parseManifest(deployed.Manifest, namespace)
	if err != nil {
		return nil, fmt.Errorf("reading the deployed manifest of release %s/%s: %w", namespace, name, err)
	}
	oldJobs := old.jobs()
	if len(oldJobs) == 0 {
		return nil, nil
	}
	cur, err := parseManifest(manifest, namespace)
	if err != nil {
		return nil, fmt.Errorf("reading the new manifest of release %s/%s: %w", namespace, name, err)
	}
	newJobs := cur.jobs()
	var out []manifestObject
	for _, key := range slices.Sorted(maps.Keys(newJobs)) {
		o, ok := oldJobs[key]
		if !ok {
			continue // a new Job: Helm creates it
		}
		// A Job without a template (an invalid one) compares as nil.
		a, _, _ := unstructured.NestedFieldNoCopy(o.obj.Object, "spec", "template")
		b, _, _ := unstructured.NestedFieldNoCopy(newJobs[key].obj.Object, "spec", "template")
		if !reflect.DeepEqual(a, b) {
			out = append(out, newJobs[key])
		}
	}
	return out, nil
}

// orphaned are the kinds deleted with orphan propagation: their pods
// survive, and the object re-created by the upgrade adopts them (with
// background propagation every mariadb or rabbitmq pod would be killed at
// once).
var orphaned = map[schema.GroupKind]bool{
	{Group: "apps", Kind: "StatefulSet"}: true,
	{Group: "apps", Kind: "DaemonSet"}:   true,
}

// deleteAndWait deletes an object (a missing one is fine) and waits,
// bounded, until it is gone. StatefulSets and DaemonSets are deleted with
// orphan propagation, other kinds with background propagation.
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
	if orphaned[gvk.GroupKind()] {
		policy = metav1.DeletePropagationOrphan
	}
	err = client.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", gvk.Kind, namespace, name, err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, deleteTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := client.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, fmt.Errorf("reading it: %w", err)
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %s %s/%s to be gone (deleted with %s propagation): %w", gvk.Kind, namespace, name, policy, err)
	}
	return nil
}
