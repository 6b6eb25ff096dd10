// Package conformance compares rendered Helm values with the original
// controller's outputs, leaf by leaf: the golden conformance of the
// service templates (pkg/templates) and the end-to-end conformance of whole
// OpenStackDeployments (pkg/render) both count with it. It owns the leaf
// walk, the list of known differences (each with its reason; one that
// explains nothing is reported so the list cannot rot) and the ratchet of
// match rates per service.
package conformance
