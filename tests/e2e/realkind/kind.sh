#!/bin/sh
# Build the real kind CLI from its Go module (sigs.k8s.io/kind), or reuse the
# one already in the cache; print its path.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

if ! "$PYK8S_E2E_KIND_BINARY" version 2>/dev/null | grep -q "^kind $PYK8S_E2E_KIND_VERSION "; then
	echo "building kind $PYK8S_E2E_KIND_VERSION into $PYK8S_E2E_KIND_BINARY" >&2
	GOBIN=$(dirname "$PYK8S_E2E_KIND_BINARY") GOFLAGS=-mod=mod \
		nice go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$PYK8S_E2E_KIND_VERSION" >&2
fi
echo "$PYK8S_E2E_KIND_BINARY"
