package osdpl

import (
	"context"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/render"
)

// renderInput gathers what rendering needs from the cluster.
func (c *Controller) renderInput(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (render.Input, error) {
	spec, err := layering.ObjectValues(osdpl.Spec)
	if err != nil {
		return render.Input{}, err
	}
	src := render.Sources{Kube: c.kube, CephSharedNamespace: c.cfg.CephSharedNamespace, ImagesBaseURL: c.cfg.ImagesBaseURL, BinaryBaseURL: c.cfg.BinaryBaseURL, PodNetworks: c.cfg.PodNetworks, LMASharedNamespace: c.cfg.LMASharedNamespace}
	return src.Gather(ctx, osdpl.Name, osdpl.Namespace, spec)
}
