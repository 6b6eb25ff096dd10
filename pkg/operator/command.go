package operator

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Command is the cobra command of a single-purpose binary: the runtime's
// flags, validate (extra checks, may be nil) then the options' Validate
// before running, and run (the binary's work once it leads) on a Runtime
// of the options. The binary adds its own flags to the result.
func Command(o *Options, short string, validate func() error, run func(ctx context.Context, rt *Runtime) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:           o.Component,
		Short:         short,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PreRunE: func(*cobra.Command, []string) error {
			if validate != nil {
				if err := validate(); err != nil {
					return err
				}
			}
			return o.Validate()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := NewRuntime(o)
			if err != nil {
				return err
			}
			return rt.Run(cmd.Context(), func(ctx context.Context) error { return run(ctx, rt) })
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// Execute runs cmd until a signal stops it, and exits 1 with the error.
func Execute(cmd *cobra.Command) {
	if err := cmd.ExecuteContext(SetupSignalContext()); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
