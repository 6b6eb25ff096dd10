package osdpl

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/osdplst"
	"rockoon.dev/rockoon/pkg/render"
)

// Rotation groups: the keys of osdplst status.rotations.
const (
	rotationAdmin   = "admin"
	rotationService = "service"
	rotationAmphora = "octavia-amphora"
)

var rotationGroups = []string{rotationAdmin, rotationService, rotationAmphora}

// requestedRotation is the rotation_id the osdpl status asks for in a
// group (0: none).
func requestedRotation(o *lcmv1alpha1.OpenStackDeployment, group string) int64 {
	switch group {
	case rotationAdmin:
		if c := o.Status.Credentials; c != nil && c.Admin != nil {
			return c.Admin.RotationID
		}
	case rotationService:
		if c := o.Status.Credentials; c != nil && c.Service != nil {
			return c.Service.RotationID
		}
	case rotationAmphora:
		if c := o.Status.Certificates; c != nil && c.Octavia != nil && c.Octavia.Amphora != nil {
			return c.Octavia.Amphora.RotationID
		}
	}
	return 0
}

// readSecrets is a render.Store that records the Secrets a render read:
// the pairs are the ones the releases consume.
type readSecrets struct {
	render.Store
	mu      sync.Mutex
	pairs   map[string]bool
	secrets map[string]bool
}

func newReadSecrets(s render.Store) *readSecrets {
	return &readSecrets{Store: s, pairs: map[string]bool{}, secrets: map[string]bool{}}
}

func (r *readSecrets) Secret(ctx context.Context, spec credentials.Spec) (map[string][]byte, error) {
	r.mu.Lock()
	r.secrets[spec.Name] = true
	r.mu.Unlock()
	return r.Store.Secret(ctx, spec)
}

func (r *readSecrets) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	r.mu.Lock()
	r.pairs[spec.Name] = true
	r.mu.Unlock()
	return r.Store.Pair(ctx, spec)
}

// groupPairs are the rotation pairs of a group among those read, sorted.
func (r *readSecrets) groupPairs(group string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, name := range slices.Sorted(maps.Keys(r.pairs)) {
		if (name == credentials.AdminUsersSecret) == (group == rotationAdmin) {
			out = append(out, name)
		}
	}
	return out
}

func (r *readSecrets) read(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.secrets[name]
}

// rotate handles the rotations the osdpl status asks for (DESIGN: rotation;
// reference §5.4), after a render that ensured every Secret (read). For a
// group whose rotation_id is above the one recorded in osdplst
// status.rotations, each pair's backup Secret gets new credentials and
// becomes active (credentials.RotatePair; the amphora CA is regenerated),
// then the rotation_id is recorded, not rolled out yet: the rest of the
// pass renders again and rolls the credentials out, and its APPLIED end
// marks them rolled out (markRolledOut).
//
// A rotation waits until the previous one of its group is rolled out: its
// backup Secrets are the credentials releases not upgraded yet still use.
// deferred is then true, and the pass completes the roll-out.
//
// Each step is idempotent: a pair already rotated for the rotation_id (a
// restart between the Secret write and the record) is not rotated again.
// changed tells whether a Secret was written (the pass must render again).
func (c *Controller) rotate(ctx context.Context, w *osdplst.Writer, osdpl *lcmv1alpha1.OpenStackDeployment, read *readSecrets) (changed, deferred bool, err error) {
	logger := klog.FromContext(ctx)
	for _, group := range rotationGroups {
		id := requestedRotation(osdpl, group)
		rec, recorded := w.Current().Status.Rotations[group]
		if id == 0 || (recorded && rec.RotationID >= id) {
			continue
		}
		if recorded && !rec.RolledOut {
			logger.Info("Rotation waits for the roll-out of the previous one", "group", group, "rotationID", id, "rolledOut", rec.RotationID)
			deferred = true
			continue
		}
		var rotated []string
		switch group {
		case rotationAmphora:
			if !read.read(credentials.OctaviaAmphoraCerts) {
				// No load balancer: nothing uses the CA.
				break
			}
			ok, err := credentials.Regenerate(ctx, c.kube, osdpl.Namespace, c.cfg.FieldManager, func() credentials.Spec {
				return credentials.SelfSignedCA(credentials.OctaviaAmphoraCerts, credentials.OctaviaAmphoraCN)
			}, id)
			if err != nil {
				return changed, deferred, fmt.Errorf("rotation %d of the %s certificates: %w", id, group, err)
			}
			if ok {
				rotated = append(rotated, credentials.OctaviaAmphoraCerts)
			}
		default:
			rot := credentials.RotateService
			if group == rotationAdmin {
				rot = credentials.RotateAdmin
			}
			for _, name := range read.groupPairs(group) {
				ok, err := credentials.RotatePair(ctx, c.kube, osdpl.Namespace, c.cfg.FieldManager, name, id, rot)
				if err != nil {
					return changed, deferred, fmt.Errorf("rotation %d of the %s credentials: %w", id, group, err)
				}
				if ok {
					rotated = append(rotated, name)
				}
			}
		}
		changed = changed || len(rotated) > 0
		if _, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
			if s.Rotations == nil {
				s.Rotations = map[string]lcmv1alpha1.RotationState{}
			}
			s.Rotations[group] = lcmv1alpha1.RotationState{RotationID: id, Timestamp: timestamp()}
		}); err != nil {
			return changed, deferred, err
		}
		what := "new credentials active in the pairs " + strings.Join(rotated, ", ")
		if group == rotationAmphora {
			what = "the amphora CA is regenerated"
		}
		if len(rotated) == 0 {
			what = "the Secrets were already rotated for it"
		}
		c.recorder.Eventf(osdpl, corev1.EventTypeNormal, "Rotated", "rotation_id %d of %s: %s; rolling out", id, group, what)
		logger.Info("Rotation handled", "group", group, "rotationID", id, "rotated", rotated)
	}
	return changed, deferred, nil
}

// markRolledOut marks, in the pass's final status change, the recorded
// rotations rolled out: the pass rendered after they were recorded.
func markRolledOut(s *lcmv1alpha1.LCMStatus) {
	for g, r := range s.Rotations {
		if !r.RolledOut {
			r.RolledOut = true
			s.Rotations[g] = r
		}
	}
}
