// Package credentials generates and keeps the cloud's credential Secrets,
// with the original controller's names, keys and formats, so that a cloud
// deployed by the original is adopted as is.
//
// A Secret is described by its fields (data keys) and how to generate each.
// Ensure creates a missing Secret once; afterwards it only reads, adding
// missing fields (and missing members of JSON fields) without touching those
// present. Nothing here ever deletes a Secret or regenerates a present value.
// Rotation pairs ("<name>" and "<name>-1") are ranked by the
// openstack.lcm.mirantis.com/secret_priority annotation.
package credentials
