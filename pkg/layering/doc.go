// Package layering builds the merged spec ("mspec") of an
// OpenStackDeployment and layers Helm values, with the original
// controller's merge semantics. It is pure: no I/O, no clients; callers pass
// the Secrets, preset and size documents in.
//
// Values are generic JSON trees: map[string]any, []any, string, int64,
// float64, bool and nil (see Normalize).
package layering
