package osdpl

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/render"
)

// renderInput gathers what rendering needs from the cluster.
func (c *Controller) renderInput(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (render.Input, error) {
	raw, err := json.Marshal(osdpl.Spec)
	if err != nil {
		return render.Input{}, fmt.Errorf("encoding the spec: %w", err)
	}
	spec, err := layering.FromJSON(raw)
	if err != nil {
		return render.Input{}, err
	}
	secrets, err := c.kube.CoreV1().Secrets(osdpl.Namespace).List(ctx, metav1.ListOptions{LabelSelector: lcmv1alpha1.OSDPLSecretLabel + "=true"})
	if err != nil {
		return render.Input{}, fmt.Errorf("listing value_from Secrets: %w", err)
	}
	in := render.Input{
		Spec: spec.(map[string]any), Namespace: osdpl.Namespace, Secrets: map[string]map[string][]byte{},
		ImagesBaseURL: c.cfg.ImagesBaseURL, BinaryBaseURL: c.cfg.BinaryBaseURL,
	}
	for _, s := range secrets.Items {
		in.Secrets[s.Name] = s.Data
	}
	// The Ceph exchange Secret: absent means no Ceph (yet): a service that
	// stores on Ceph then waits (render.ErrCephKeysMissing). Its changes
	// reach us through status.watched.ceph, written by the ceph-exchange
	// binary; without it, through the wait's requeue and the resync.
	keys, err := c.kube.CoreV1().Secrets(c.cfg.CephSharedNamespace).Get(ctx, ceph.KeysSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return render.Input{}, fmt.Errorf("reading Secret %s/%s: %w", c.cfg.CephSharedNamespace, ceph.KeysSecret, err)
	default:
		if in.CephKeys, err = ceph.ParseKeys(keys.Data); err != nil {
			return render.Input{}, err
		}
	}
	cm, err := c.kube.CoreV1().ConfigMaps(osdpl.Namespace).Get(ctx, osdpl.Name+"-artifacts", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return render.Input{}, fmt.Errorf("reading ConfigMap %s-artifacts: %w", osdpl.Name, err)
	default:
		if doc, ok := cm.Data[string(osdpl.Spec.OpenStackVersion)]; ok {
			if err := yaml.Unmarshal([]byte(doc), &in.ArtifactOverrides); err != nil {
				return render.Input{}, errPermanent{fmt.Errorf("ConfigMap %s-artifacts key %s: %w", osdpl.Name, osdpl.Spec.OpenStackVersion, err)}
			}
		}
	}
	return in, nil
}

// ingressManaged applies the original's rule for the legacy nginx ingress:
// it is managed only when spec.migration.ingress.state is "present" or the
// cloud already has it (recorded in the osdplst); "absent" removes it. New
// clouds are served by app-gateway.
func ingressManaged(mspec map[string]any, st *lcmv1alpha1.OpenStackDeploymentStatus, services []render.Service) []render.Service {
	state, _ := layering.Get(mspec, "migration", "ingress", "state").(string)
	_, installed := st.Status.Services["ingress"]
	if state == "present" || (installed && state != "absent") {
		return services
	}
	return slices.DeleteFunc(slices.Clone(services), func(s render.Service) bool { return s.Key == "ingress" })
}
