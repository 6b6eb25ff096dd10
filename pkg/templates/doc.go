// Package templates renders the embedded value templates (module directory
// templates/): presets, sizes, per-release artifacts and per-service
// release documents. Templates are Go text/template with the sprig
// functions Helm users know plus a few of ours (toYaml, fromYaml, required,
// OpenStack release ordering). Errors name the template and the line.
package templates
