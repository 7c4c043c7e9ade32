#!/bin/sh
# Make sure a Docker engine answers on /var/run/docker.sock that can run kind's
# privileged nodes: install Debian's docker.io if it is missing, and start
# dockerd with runc-without-sys-resource as its default runtime if no engine
# is running.
#
# Why the runtime: this VM's capability bounding set lacks CAP_SYS_RESOURCE,
# and with plain runc every `docker run --privileged` (kind's nodes) fails:
#
#   docker: Error response from daemon: failed to create shim task: OCI runtime create failed:
#   runc create failed: unable to start container process: unable to apply caps: operation not permitted
#
# An engine that is already running is used as it is (it may not need the wrapper).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

if docker info >/dev/null 2>&1; then
	exit 0
fi

if ! command -v dockerd >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io jq >/dev/null
fi
command -v jq >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null

# dockerd keeps the runtime's path, so it must outlive the clone.
mkdir -p "$PYK8S_E2E_CACHE/bin" "$PYK8S_E2E_DOCKER_ROOT"
runtime="$PYK8S_E2E_CACHE/bin/runc-without-sys-resource"
install -m 0755 "$here/runc-without-sys-resource" "$runtime"

log="$PYK8S_E2E_CACHE/dockerd.log"
echo "starting dockerd (data root $PYK8S_E2E_DOCKER_ROOT, log $log)" >&2
nohup dockerd \
	--data-root "$PYK8S_E2E_DOCKER_ROOT" \
	--add-runtime "runc-without-sys-resource=$runtime" \
	--default-runtime runc-without-sys-resource \
	--pidfile "$PYK8S_E2E_CACHE/dockerd.pid" \
	>>"$log" 2>&1 </dev/null &

for _ in $(seq 60); do
	docker info >/dev/null 2>&1 && exit 0
	sleep 1
done
echo "dockerd did not answer within 60s; see $log" >&2
tail -n 20 "$log" >&2
exit 1
