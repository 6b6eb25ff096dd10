// Package osdplst writes the OpenStackDeploymentStatus (osdplst), the
// status record every binary shares. As in the original it has no status
// subresource: each binary changes its own part of the typed status
// (osdpl: osdpl and services; health: health; secrets: credentials) and
// the Writer sends only the difference as a JSON merge patch, under the
// binary's field manager. A change that changes nothing writes nothing.
package osdplst
