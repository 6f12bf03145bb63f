//go:build tools

// Package testbed pins the Kubernetes control-plane commands that the
// palisade integration tests run. Nothing here is compiled into palisade;
// cluster.sh builds them with `go build` from the versions this module
// requires (go.sum pins every download).
package testbed

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"

	_ "go.etcd.io/etcd/server/v3"
)
