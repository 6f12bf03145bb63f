//go:build tools

// Package helm pins the helm command the chart-rendering tests run.
// Nothing here is compiled into palisade: `testbed/helm/build.sh` builds
// helm with `go build` from the version this module requires (go.sum pins
// every download), for machines without a helm on PATH.
package helm

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
