// Package render turns an OpenStackDeployment into the final Helm values of
// every release of every enabled service: mspec (pkg/layering) → service
// credentials (a Store) → service templates (pkg/templates) → override
// layers (pkg/layering). The controller renders with a Store that creates
// missing Secrets; `osdpl render` with placeholders or read-only Secrets.
package render
