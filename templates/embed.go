// Package templates embeds the value templates: presets/, sizes/,
// services/<service key>.yaml and <openstack_version>/artifacts.yaml. The
// engine that renders them is rockoon.dev/rockoon/pkg/templates.
package templates

import "embed"

// FS holds the template files.
//
//go:embed presets sizes services */artifacts.yaml
var FS embed.FS
