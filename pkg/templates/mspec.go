package templates

import (
	"fmt"
	"slices"

	"rockoon.dev/rockoon/pkg/layering"
)

// MSpec builds the merged spec (mspec) of an OpenStackDeployment's .spec:
// its preset and size rendered with the spec's switches, then
// layering.BuildMSpec (preset → artifact base URLs → size → user spec
// after value_from substitution from secrets, name → data). The one
// construction of the controller (pkg/render) and of ceph-exchange.
func (e *Engine) MSpec(spec map[string]any, secrets map[string]map[string][]byte, namespace, imagesBaseURL, binaryBaseURL string) (map[string]any, error) {
	version, _ := spec["openstack_version"].(string)
	preset, _ := spec["preset"].(string)
	size, _ := spec["size"].(string)
	vars := map[string]any{
		"openstack_version":   version,
		"openstack_namespace": namespace,
		"services":            layering.Get(spec, "features", "services"),
		"ovn_enabled":         layering.Get(spec, "features", "neutron", "backend") == "ml2/ovn",
		// The preset's other switches (templates/presets/base.yaml).
		"signature_enabled":        layering.Get(spec, "features", "glance", "signature", "enabled") == true,
		"nova_img_encrypt_enabled": layering.Get(spec, "features", "nova", "images", "encryption", "enabled") == true,
		"ironic_mt_enabled":        slices.Contains([]any{"vlan", "vxlan", "geneve"}, layering.Get(spec, "features", "ironic", "networks", "baremetal", "network_type")),
	}
	presetDoc, err := e.Preset(preset, vars)
	if err != nil {
		return nil, fmt.Errorf("spec.preset %q: %w", preset, err)
	}
	sizeDoc, err := e.Size(size, vars)
	if err != nil {
		return nil, fmt.Errorf("spec.size %q: %w", size, err)
	}
	return layering.BuildMSpec(layering.MSpecInput{
		Spec: spec, Secrets: secrets, Preset: presetDoc, Size: sizeDoc,
		ImagesBaseURL: imagesBaseURL, BinaryBaseURL: binaryBaseURL,
	})
}
