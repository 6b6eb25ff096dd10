package main

import (
	"github.com/spf13/cobra"

	"rockoon.dev/rockoon/pkg/operator"
)

// defaults of the artifact base URLs, overridden by the environment (the
// original's variable names) and flags.
func defaultImagesBaseURL() string {
	return operator.EnvOr("OSCTL_IMAGES_BASE_URL", "mirantis.azurecr.io")
}
func defaultBinaryBaseURL() string {
	return operator.EnvOr("OSCTL_BINARY_BASE_URL", "https://binary.mirantis.com")
}

func newRootCommand() *cobra.Command {
	run := newRunCommand()
	root := &cobra.Command{
		Use:           "osdpl",
		Short:         "The OpenStackDeployment controller of Rockoon",
		Long:          "osdpl reconciles the OpenStackDeployment of its namespace into openstack-helm releases.\nWithout a subcommand it runs the controller (osdpl run).",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		PreRunE:       run.PreRunE,
		RunE:          run.RunE,
	}
	root.Flags().AddFlagSet(run.Flags())
	root.AddCommand(run, newRenderCommand(), newDiffCommand())
	return root
}
