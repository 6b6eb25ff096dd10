package osdplst

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
)

// Writer changes one osdplst. It keeps the object as last read or written
// and diffs every change against it, so a mutation that changes nothing
// sends no request. Safe for concurrent use: mutations are serialized.
type Writer struct {
	client       versioned.Interface
	fieldManager string

	mu  sync.Mutex
	cur *lcmv1alpha1.OpenStackDeploymentStatus
	// writes counts the patches sent (for tests and metrics).
	writes int
}

// NewWriter returns a Writer of cur (as read from the API server).
func NewWriter(client versioned.Interface, fieldManager string, cur *lcmv1alpha1.OpenStackDeploymentStatus) *Writer {
	return &Writer{client: client, fieldManager: fieldManager, cur: cur.DeepCopy()}
}

// Current returns a copy of the object as last read or written.
func (w *Writer) Current() *lcmv1alpha1.OpenStackDeploymentStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur.DeepCopy()
}

// Writes is the number of patches sent so far.
func (w *Writer) Writes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

// Update applies mutate to a copy of the status and patches the
// difference (members set to their zero value with omitempty disappear,
// deleted map keys become null). It reports whether anything was sent.
func (w *Writer) Update(ctx context.Context, mutate func(*lcmv1alpha1.LCMStatus)) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before, err := json.Marshal(statusDoc{w.cur.Status})
	if err != nil {
		return false, fmt.Errorf("encoding the osdplst status: %w", err)
	}
	next := w.cur.Status.DeepCopy()
	mutate(next)
	after, err := json.Marshal(statusDoc{*next})
	if err != nil {
		return false, fmt.Errorf("encoding the osdplst status: %w", err)
	}
	patch, err := Diff(before, after)
	if err != nil || patch == nil {
		return false, err
	}
	st, err := w.client.LcmV1alpha1().OpenStackDeploymentStatus(w.cur.Namespace).Patch(ctx, w.cur.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: w.fieldManager})
	if err != nil {
		return false, fmt.Errorf("patching OpenStackDeploymentStatus %s/%s: %w", w.cur.Namespace, w.cur.Name, err)
	}
	w.writes++
	w.cur = st
	return true, nil
}

type statusDoc struct {
	Status lcmv1alpha1.LCMStatus `json:"status"`
}

// Diff returns the JSON merge patch turning before into after, nil when
// they are equal.
func Diff(before, after []byte) ([]byte, error) {
	patch, err := jsonpatch.CreateMergePatch(before, after)
	if err != nil {
		return nil, fmt.Errorf("computing the osdplst patch: %w", err)
	}
	if string(patch) == "{}" {
		return nil, nil
	}
	return patch, nil
}
