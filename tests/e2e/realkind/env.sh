# shellcheck shell=sh
# Shared settings of the real-kind toolchain; sourced by the scripts beside it.
# Everything they build or keep lives outside the clone, under one cache folder.
PYK8S_E2E_CACHE=${PYK8S_E2E_CACHE:-/var/cache/pyk8s-e2e}
PYK8S_E2E_KIND_VERSION=${PYK8S_E2E_KIND_VERSION:-v0.33.0}
PYK8S_E2E_KIND_BINARY=${PYK8S_E2E_KIND_BINARY:-$PYK8S_E2E_CACHE/kind/$PYK8S_E2E_KIND_VERSION/kind}
PYK8S_E2E_DOCKER_ROOT=${PYK8S_E2E_DOCKER_ROOT:-$PYK8S_E2E_CACHE/docker}
# The machine has 2 cores that others share: builds run niced, two at a time at most.
export GOMAXPROCS="${GOMAXPROCS:-2}"
export GOMODCACHE="${GOMODCACHE:-$PYK8S_E2E_CACHE/go/mod}"
export GOCACHE="${GOCACHE:-$PYK8S_E2E_CACHE/go/build}"
export CGO_ENABLED=0
