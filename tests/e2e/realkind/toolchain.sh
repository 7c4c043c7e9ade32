#!/bin/sh
# Build or reuse everything real kind needs here, then print the settings that
# point at it (in the shell's `export` form, so `eval "$(toolchain.sh)"` works):
# a Docker engine that runs kind's nodes, the kind CLI, a node image built
# offline, and the kubectl of the same Kubernetes release.
#
#   toolchain.sh --built    only answers whether it was built before (exit 0) or not (1)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
repo=$(cd "$here/../../.." && pwd)

if [ "${1:-}" = --built ]; then
	test -x "$PYK8S_E2E_KIND_BINARY" && test -x "$PYK8S_E2E_CACHE/bin/kubectl"
	exit
fi

"$here/dockerd.sh"
kind=$("$here/kind.sh")
image=$("$repo/deploy/kind-node/build.sh")
terminal=$("$repo/deploy/terminal/build.sh")
version=${image##*:v}
echo "export PYK8S_KIND_BINARY=$kind"
echo "export PYK8S_KUBERNETES_VERSIONS=$version"
echo "export PYK8S_KIND_NODE_IMAGES=$version=$image"
echo "export KUBECTL=$PYK8S_E2E_CACHE/bin/kubectl"
echo "export PYK8S_TERMINAL_IMAGE=$terminal"
