// Command osdpl is the OpenStackDeployment controller: `osdpl run` (the
// default) reconciles the cloud; `osdpl render` prints the Helm values of
// every release offline; `osdpl diff` compares them with the cluster.
package main

import (
	"fmt"
	"os"

	"rockoon.dev/rockoon/pkg/operator"
)

func main() {
	ctx := operator.SetupSignalContext()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
