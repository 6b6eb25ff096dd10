package health

import (
	appsv1 "k8s.io/api/apps/v1"
)

// The two health values of the original.
const (
	Ready     = "Ready"
	Unhealthy = "Unhealthy"
)

// DeploymentReady: the controller has seen the latest spec and every
// desired replica is updated and ready. Unlike the original, a Deployment
// scaled to zero is Ready (it has all the replicas it wants).
func DeploymentReady(d *appsv1.Deployment) bool {
	return replicasReady(d.Generation, d.Status.ObservedGeneration, d.Spec.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas)
}

// StatefulSetReady: as DeploymentReady.
func StatefulSetReady(s *appsv1.StatefulSet) bool {
	return replicasReady(s.Generation, s.Status.ObservedGeneration, s.Spec.Replicas, s.Status.UpdatedReplicas, s.Status.ReadyReplicas)
}

func replicasReady(generation, observed int64, replicas *int32, updated, ready int32) bool {
	want := int32(1) // the API server's default
	if replicas != nil {
		want = *replicas
	}
	return observed >= generation && updated == want && ready == want
}

// DaemonSetReady: the controller has seen the latest spec; with the
// OnDelete strategy every scheduled pod is ready; otherwise every updated
// pod is ready and every desired one is updated. Unlike the original, a
// DaemonSet that wants pods but has none scheduled is not Ready (one that
// desires zero is).
func DaemonSetReady(d *appsv1.DaemonSet) bool {
	s := d.Status
	if s.ObservedGeneration < d.Generation {
		return false
	}
	if d.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		return s.NumberReady == s.DesiredNumberScheduled
	}
	return s.NumberReady == s.UpdatedNumberScheduled && s.UpdatedNumberScheduled == s.DesiredNumberScheduled
}

// Status returns Ready or Unhealthy.
func Status(ready bool) string {
	if ready {
		return Ready
	}
	return Unhealthy
}
