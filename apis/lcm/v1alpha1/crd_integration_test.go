package v1alpha1_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/testenv"
)

var (
	env     *testenv.Env
	lcm     versioned.Interface
	kube    kubernetes.Interface
	dyn     dynamic.Interface
	osdplGR = schema.GroupVersionResource{Group: "lcm.mirantis.com", Version: "v1alpha1", Resource: "openstackdeployments"}
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{ControllerManager: true}, func(e *testenv.Env) {
		env = e
		lcm = versioned.NewForConfigOrDie(env.Config)
		kube = kubernetes.NewForConfigOrDie(env.Config)
		dyn = dynamic.NewForConfigOrDie(env.Config)
	}))
}

// namespace creates a namespace for one test.
func namespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-")
	_, err := kube.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// load reads a YAML document as unstructured.
func load(t *testing.T, doc []byte, ns string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
		t.Fatal(err)
	}
	obj.SetNamespace(ns)
	return obj
}

func loadFile(t *testing.T, path, ns string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return load(t, data, ns)
}

func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(g)
	return string(b)
}

func TestCreateGetUpdateWatchWithInformer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := namespace(t)

	factory := externalversions.NewSharedInformerFactoryWithOptions(lcm, 0, externalversions.WithNamespace(ns))
	informer := factory.Lcm().V1alpha1().OpenStackDeployments()
	events := make(chan string, 10)
	if _, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { events <- "add" },
		UpdateFunc: func(_, obj any) { events <- "update:" + obj.(*lcmv1alpha1.OpenStackDeployment).Spec.RegionName },
		DeleteFunc: func(any) { events <- "delete" },
	}); err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	defer func() {
		cancel() // Shutdown waits for the informers, which stop with ctx.
		factory.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), informer.Informer().HasSynced) {
		t.Fatal("informer did not sync")
	}
	w, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	var obj lcmv1alpha1.OpenStackDeployment
	if err := runtimeFromUnstructured(loadFile(t, "testdata/rich.yaml", ns), &obj); err != nil {
		t.Fatal(err)
	}
	created, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, &obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, events, "add")
	if ev := <-w.ResultChan(); ev.Type != watch.Added {
		t.Fatalf("watch: %v", ev.Type)
	}
	got, err := informer.Lister().OpenStackDeployments(ns).Get("prod")
	if err != nil || got.Spec.Features.Nova.Images.Backend != "ceph" {
		t.Fatalf("lister: %v %v", got, err)
	}

	created.Spec.RegionName = "RegionThree"
	created, err = lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, events, "update:RegionThree")
	if ev := <-w.ResultChan(); ev.Type != watch.Modified || ev.Object.(*lcmv1alpha1.OpenStackDeployment).Spec.RegionName != "RegionThree" {
		t.Fatalf("watch: %v", ev.Type)
	}

	// Status goes through the status subresource only.
	st := created.DeepCopy()
	st.Status.Fingerprint = "f00"
	st.Status.ObservedGeneration = 2
	st.Spec.RegionName = "ignored-by-status"
	updated, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).UpdateStatus(ctx, st, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Status.Fingerprint != "f00" || updated.Spec.RegionName != "RegionThree" {
		t.Errorf("status update: fingerprint %q region %q", updated.Status.Fingerprint, updated.Spec.RegionName)
	}

	if err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Delete(ctx, "prod", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(t, events, "update:RegionThree") // the status update
	expect(t, events, "delete")
}

func expect(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no event, want %q", want)
	}
}

// TestReferenceExamplesAcceptedUnchanged creates the reference examples as
// written, and checks that the API server kept every member, and that a
// read-modify-write through the Go types changes nothing but what was
// modified; the free-form parts come back byte for byte.
func TestReferenceExamplesAcceptedUnchanged(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	for _, file := range []string{"testdata/minimal.yaml", "testdata/rich.yaml"} {
		t.Run(file, func(t *testing.T) {
			in := loadFile(t, file, ns)
			created, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, in, metav1.CreateOptions{FieldValidation: "Strict"})
			if err != nil {
				t.Fatal(err)
			}
			if a, b := canonical(t, in.Object["spec"]), canonical(t, created.Object["spec"]); a != b {
				t.Fatalf("API server changed the spec\nsent: %s\n got: %s", a, b)
			}

			typed, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, in.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for name, raw := range map[string]any{"services": typed.Spec.Services, "common": typed.Spec.Common, "nodes": typed.Spec.Nodes} {
				want, ok := in.Object["spec"].(map[string]any)[name]
				if !ok {
					continue
				}
				wantBytes, _ := json.Marshal(want)
				gotBytes, _ := json.Marshal(raw)
				if string(wantBytes) != string(gotBytes) {
					t.Errorf("spec.%s not byte-for-byte\nwant %s\n got %s", name, wantBytes, gotBytes)
				}
			}

			typed.Spec.Draft = new(true)
			if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(ctx, typed, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			after, err := dyn.Resource(osdplGR).Namespace(ns).Get(ctx, in.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := in.DeepCopy()
			if err := unstructured.SetNestedField(want.Object, true, "spec", "draft"); err != nil {
				t.Fatal(err)
			}
			if a, b := canonical(t, want.Object["spec"]), canonical(t, after.Object["spec"]); a != b {
				t.Fatalf("Go round trip changed the spec\nwant: %s\n got: %s", a, b)
			}
		})
	}
}

// TestUnknownFieldsSurvive proves that members the types do not know survive
// the API server (no pruning below features, in status, in free-form parts)
// and a Go read-modify-write of spec and status.
func TestUnknownFieldsSurvive(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	in := load(t, []byte(unknownFieldsDoc), ns)
	status := in.Object["status"]
	delete(in.Object, "status")
	created, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Object["status"] = status
	if _, err := dyn.Resource(osdplGR).Namespace(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	typed, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "future", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	typed.Spec.Features.Neutron.TunnelInterface = "eth9"
	updated, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(ctx, typed, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	meta := metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Testing", Message: "m", LastTransitionTime: metav1.Now()}
	updated.Status.Conditions = append(updated.Status.Conditions, meta)
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	after, err := dyn.Resource(osdplGR).Namespace(ns).Get(ctx, "future", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := load(t, []byte(unknownFieldsDoc), ns)
	if err := unstructured.SetNestedField(want.Object, "eth9", "spec", "features", "neutron", "tunnel_interface"); err != nil {
		t.Fatal(err)
	}
	if a, b := canonical(t, want.Object["spec"]), canonical(t, after.Object["spec"]); a != b {
		t.Errorf("spec lost or changed members\nwant: %s\n got: %s", a, b)
	}
	gotStatus := after.Object["status"].(map[string]any)
	if _, ok := gotStatus["conditions"]; !ok {
		t.Error("conditions not written")
	}
	delete(gotStatus, "conditions")
	if a, b := canonical(t, want.Object["status"]), canonical(t, gotStatus); a != b {
		t.Errorf("status lost or changed members\nwant: %s\n got: %s", a, b)
	}
}

func TestOSDPLSTStatusMergePatch(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	c := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns)
	if _, err := c.Create(ctx, &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{Name: "lab"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patches := []string{
		`{"status":{"osdpl":{"state":"APPLYING","openstack_version":"epoxy","lcm_progress":"0/4","cause":"create"}}}`,
		`{"status":{"services":{"identity":{"state":"APPLIED","fingerprint":"x"},"compute":{"state":"APPLYING"}}}}`,
		`{"status":{"health":{"keystone":{"api":{"status":"Ready","generation":3}}},"osdpl":{"health":"1/1"}}}`,
		`{"status":{"osdpl":{"state":"APPLIED","lcm_progress":"4/4","cause":null},"services":{"compute":null}}}`,
	}
	for _, p := range patches {
		if _, err := c.Patch(ctx, "lab", types.MergePatchType, []byte(p), metav1.PatchOptions{}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	got, err := c.Get(ctx, "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Status
	if s.OSDPL.State != lcmv1alpha1.StateApplied || s.OSDPL.LCMProgress != "4/4" || s.OSDPL.Health != "1/1" || s.OSDPL.OpenStackVersion != "epoxy" {
		t.Errorf("osdpl record: %+v", s.OSDPL)
	}
	if s.OSDPL.Cause != "" {
		t.Errorf("cause: null must delete it, got %q", s.OSDPL.Cause)
	}
	if _, ok := s.Services["compute"]; ok || s.Services["identity"].State != lcmv1alpha1.StateApplied {
		t.Errorf("services: %+v", s.Services)
	}
	if s.Health["keystone"]["api"].Generation != 3 {
		t.Errorf("health: %+v", s.Health)
	}
	_, err = c.Patch(ctx, "lab", types.MergePatchType, []byte(`{"status":{"osdpl":{"state":"DONE"}}}`), metav1.PatchOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "status.osdpl.state") {
		t.Errorf("an unknown state must be refused naming the field, got %v", err)
	}
}

// TestOSDPLSTGarbageCollectedWithOwner needs kube-controller-manager: the
// osdplst is owned by its osdpl, as the original's, and goes away with it.
func TestOSDPLSTGarbageCollectedWithOwner(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	owner, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, loadFile(t, "testdata/minimal.yaml", ns), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{
		Name: owner.GetName(),
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "lcm.mirantis.com/v1alpha1", Kind: "OpenStackDeployment", Name: owner.GetName(), UID: owner.GetUID(),
			Controller: new(true), BlockOwnerDeletion: new(true),
		}},
	}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Create(ctx, st, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := dyn.Resource(osdplGR).Namespace(ns).Delete(ctx, owner.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, owner.GetName(), metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("osdplst not garbage-collected: %v", err)
	}
}

func TestClusterScopedKinds(t *testing.T) {
	ctx := context.Background()
	v := lcm.LcmV1alpha1()
	nwl, err := v.NodeWorkloadLocks().Create(ctx, &lcmv1alpha1.NodeWorkloadLock{
		ObjectMeta: metav1.ObjectMeta{Name: "openstack-cmp-1"},
		Spec:       lcmv1alpha1.NodeWorkloadLockSpec{ControllerName: "openstack", NodeName: "cmp-1"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nwl.Status = lcmv1alpha1.WorkloadLockStatus{State: lcmv1alpha1.LockInactive, InactivationProgress: &lcmv1alpha1.InactivationProgress{Percentage: 50}}
	if nwl, err = v.NodeWorkloadLocks().UpdateStatus(ctx, nwl, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	nwl.Status.State = "paused"
	if _, err := v.NodeWorkloadLocks().UpdateStatus(ctx, nwl, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("unknown lock state accepted: %v", err)
	}
	if _, err := v.ClusterWorkloadLocks().Create(ctx, &lcmv1alpha1.ClusterWorkloadLock{
		ObjectMeta: metav1.ObjectMeta{Name: "openstack-lab"}, Spec: lcmv1alpha1.ClusterWorkloadLockSpec{ControllerName: "openstack"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.NodeMaintenanceRequests().Create(ctx, &lcmv1alpha1.NodeMaintenanceRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "cmp-1"}, Spec: lcmv1alpha1.NodeMaintenanceRequestSpec{NodeName: "cmp-1", Scope: "drain"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.NodeMaintenanceRequests().Create(ctx, &lcmv1alpha1.NodeMaintenanceRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "cmp-2"}, Spec: lcmv1alpha1.NodeMaintenanceRequestSpec{NodeName: "cmp-2", Scope: "reboot"},
	}, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.scope") {
		t.Errorf("unknown scope accepted or field not named: %v", err)
	}
	if _, err := v.ClusterMaintenanceRequests().Create(ctx, &lcmv1alpha1.ClusterMaintenanceRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "cluster"}, Spec: lcmv1alpha1.ClusterMaintenanceRequestSpec{Scope: "os"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.NodeDeletionRequests().Create(ctx, &lcmv1alpha1.NodeDeletionRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "cmp-1"}, Spec: lcmv1alpha1.NodeSpec{NodeName: "cmp-1"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.NodeDisableNotifications().Create(ctx, &lcmv1alpha1.NodeDisableNotification{
		ObjectMeta: metav1.ObjectMeta{Name: "cmp-1"}, Spec: lcmv1alpha1.NodeSpec{NodeName: "cmp-1"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := v.NodeDisableNotifications().List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Spec.NodeName != "cmp-1" {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func runtimeFromUnstructured(u *unstructured.Unstructured, out any) error {
	b, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
