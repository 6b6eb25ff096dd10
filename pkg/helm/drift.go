package helm

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"
	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/klog/v2"
)

// driftParallel bounds the metadata GETs of one drift check.
const driftParallel = 8

// missingObjects returns the objects of a revision's manifest that do not
// exist in the cluster ("Kind namespace/name", sorted), by metadata GETs.
// Jobs setting spec.ttlSecondsAfterFinished are not checked: they
// legitimately disappear once finished. A kind the cluster does not serve
// (a CRD removed) counts as missing. An object being deleted still
// counts as present.
func (m *Manager) missingObjects(ctx context.Context, rel *release.Release) ([]string, error) {
	if m.getter == nil {
		return nil, errNoCluster
	}
	objs, err := parseManifest(rel.Manifest, rel.Namespace)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of revision %d of release %s/%s: %w", rel.Version, rel.Namespace, rel.Name, err)
	}
	var (
		mu      sync.Mutex
		missing []string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(driftParallel)
	for _, o := range objs {
		if o.gvk == jobGVK {
			if _, ok, _ := unstructured.NestedFieldNoCopy(o.obj.Object, "spec", "ttlSecondsAfterFinished"); ok {
				continue
			}
		}
		g.Go(func() error {
			ref, gone, err := m.objectMissing(gctx, o)
			if err != nil {
				return fmt.Errorf("checking the objects of release %s/%s: %w", rel.Namespace, rel.Name, err)
			}
			if gone {
				mu.Lock()
				missing = append(missing, ref)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.Sort(missing)
	return missing, nil
}

// objectMissing tells whether one manifest object is absent from the
// cluster; ref names it ("Kind namespace/name", or "Kind name" for a
// cluster-scoped one).
func (m *Manager) objectMissing(ctx context.Context, o manifestObject) (ref string, missing bool, err error) {
	name := o.obj.GetName()
	ref = o.gvk.Kind + " " + o.namespace + "/" + name
	mapping, err := m.getter.mapper.RESTMapping(o.gvk.GroupKind(), o.gvk.Version)
	if meta.IsNoMatchError(err) {
		klog.FromContext(ctx).V(2).Info("A kind of the deployed manifest is not served by the cluster", "kind", o.gvk.String(), "object", klog.KRef(o.namespace, name))
		return ref, true, nil
	}
	if err != nil {
		return ref, false, fmt.Errorf("%s: %w", ref, err)
	}
	client := m.metadata.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		_, err = client.Namespace(o.namespace).Get(ctx, name, metav1.GetOptions{})
	} else {
		ref = o.gvk.Kind + " " + name
		_, err = client.Get(ctx, name, metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return ref, true, nil
	case err != nil:
		return ref, false, fmt.Errorf("reading %s: %w", ref, err)
	}
	return ref, false, nil
}

// checkCreatable asks the API server, in a dry run, whether it accepts the
// objects an upgrade is going to create: the Jobs about to be deleted
// (recreate) and the objects of the manifest missing from the cluster.
// Helm's own dry run renders and parses the manifest but leaves the
// validation of values to the API server, at apply time: by then the Jobs
// would be gone. An existing object passes (the API server validates a
// create before it finds the name taken); existing objects are not
// checked otherwise (their update is a patch).
func (m *Manager) checkCreatable(ctx context.Context, manifest, namespace string, recreate []manifestObject) error {
	objs, err := parseManifest(manifest, namespace)
	if err != nil {
		return fmt.Errorf("reading the new manifest: %w", err)
	}
	deleting := map[string]bool{}
	for _, o := range recreate {
		deleting[o.namespace+"/"+o.obj.GetName()] = true
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(driftParallel)
	for _, o := range objs {
		if o.obj.GetName() == "" {
			continue
		}
		g.Go(func() error {
			if !(o.gvk == jobGVK && deleting[o.namespace+"/"+o.obj.GetName()]) {
				if _, missing, err := m.objectMissing(gctx, o); err != nil || !missing {
					return err
				}
			}
			return m.dryRunCreate(gctx, o)
		})
	}
	return g.Wait()
}

// dryRunCreate creates an object in a dry run; AlreadyExists is success.
func (m *Manager) dryRunCreate(ctx context.Context, o manifestObject) error {
	ref := o.gvk.Kind + " " + o.namespace + "/" + o.obj.GetName()
	mapping, err := m.getter.mapper.RESTMapping(o.gvk.GroupKind(), o.gvk.Version)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	obj := o.obj.DeepCopy()
	var client dynamic.ResourceInterface = m.dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		obj.SetNamespace(o.namespace)
		client = m.dynamic.Resource(mapping.Resource).Namespace(o.namespace)
	} else {
		ref = o.gvk.Kind + " " + o.obj.GetName()
	}
	_, err = client.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err == nil || apierrors.IsAlreadyExists(err) {
		return nil
	}
	return fmt.Errorf("the API server refuses %s (dry run): %w", ref, err)
}
