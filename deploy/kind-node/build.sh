#!/bin/bash
# Build a kind node image without any image registry: every program in it is
# built here from its Go module or C source, or comes from Debian's packages.
#
#   deploy/kind-node/build.sh            # builds or reuses pyk8s-lab/kind-node:<kubernetes version>
#
# Environment:
#   PYK8S_E2E_CACHE          cache folder, outside the clone (default /var/cache/pyk8s-e2e)
#   PYK8S_KIND_NODE_IMAGE    the tag to build (default pyk8s-lab/kind-node:<kubernetes version>)
#
# Each stage is cached under PYK8S_E2E_CACHE, keyed by what it is built from,
# so a second run only assembles what changed. Prints the image tag when done.
set -o errexit -o nounset -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PYK8S_E2E_CACHE:-/var/cache/pyk8s-e2e}
# The machine's cores are shared: build niced, and no more than two at a time.
export GOMAXPROCS=${GOMAXPROCS:-2}
export GOMODCACHE=${GOMODCACHE:-$cache/go/mod}
export GOCACHE=${GOCACHE:-$cache/go/build}
export GOFLAGS=-mod=mod CGO_ENABLED=0
go_build=(nice go build -trimpath)
# shellcheck source=deploy/kind-node/packages.sh
. "$here/packages.sh"

log() { echo "[kind-node $(date +%T)] $*" >&2; }

# The Kubernetes release is the one the wrapper module pins.
kube_version=$(grep -oE 'k8s.io/kubernetes v[0-9.]+' "$here/kubernetes/go.mod" | head -n 1 | cut -d' ' -f2)
node_image=${PYK8S_KIND_NODE_IMAGE:-pyk8s-lab/kind-node:$kube_version}

# --- Go and C programs ---------------------------------------------------------

build_kubernetes() {
	# Keyed by the wrapper module, which pins every version that goes in.
	local key bin
	key=$(cat "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" | sha256sum | cut -c1-12)
	bin="$cache/kubernetes/$kube_version-$key"
	if [[ ! -x "$bin/kube-proxy" ]]; then
		log "building Kubernetes $kube_version (a cold build takes a while on 2 cores)"
		local minor=${kube_version#v1.} ldflags="-s -w" package
		minor=${minor%%.*}
		# What `kubectl version` and kubeadm's version checks read.
		for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
			ldflags+=" -X $package.gitVersion=$kube_version -X $package.gitMajor=1 -X $package.gitMinor=$minor"
			ldflags+=" -X $package.gitTreeState=clean -X $package.buildDate=1970-01-01T00:00:00Z"
		done
		mkdir -p "$bin.tmp"
		(cd "$here/kubernetes" && "${go_build[@]}" -ldflags "$ldflags" -o "$bin.tmp/" \
			k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl \
			k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
			k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy)
		rm -rf "$bin" && mv "$bin.tmp" "$bin"
	fi
	kube_bin=$bin
	mkdir -p "$cache/bin"
	ln -sfn "$bin/kubectl" "$cache/bin/kubectl"
	# Ours and small: rebuilt every time, so a change to it is never missed.
	(cd "$here/kubernetes" && "${go_build[@]}" -ldflags "-s -w" -o "$cache/kindnetd" ./cmd/kindnetd)
}

# The image tags kubeadm will ask for, e.g. registry.k8s.io/etcd:3.6.5-0.
read_kubeadm_images() {
	local image
	while read -r image; do
		case "$image" in
		*/kube-apiserver:* | */kube-controller-manager:* | */kube-scheduler:* | */kube-proxy:*) ;;
		*/etcd:*) etcd_image=$image ;;
		*/coredns:*) coredns_image=$image ;;
		*/pause:*) pause_image=$image ;;
		*) log "kubeadm asks for an image this script does not build: $image" && exit 1 ;;
		esac
	done < <("$kube_bin/kubeadm" config images list --kubernetes-version "$kube_version")
	registry=${pause_image%/pause:*}
}

build_etcd() {
	local version=v${etcd_image##*:}
	version=${version%-*}
	if ! grep -q "go.etcd.io/etcd/server/v3 $version\$" "$here/etcd/go.mod"; then
		log "kubeadm wants etcd $version but etcd/go.mod pins another release: update it"
		exit 1
	fi
	etcd_bin="$cache/etcd/$version/etcd"
	if [[ ! -x "$etcd_bin" ]]; then
		log "building etcd $version"
		(cd "$here/etcd" && "${go_build[@]}" -ldflags "-s -w" -o "$etcd_bin" go.etcd.io/etcd/server/v3)
	fi
}

build_coredns() {
	local version=${coredns_image##*:}
	coredns_bin="$cache/coredns/$version/coredns"
	if [[ ! -x "$coredns_bin" ]]; then
		log "building CoreDNS $version"
		GOBIN=$(dirname "$coredns_bin") nice go install -trimpath -ldflags "-s -w" \
			"github.com/coredns/coredns@$version"
	fi
}

build_pause() {
	# Kubernetes' own pause.c, from the module the binaries come from.
	local version=${pause_image##*:} source
	source="$(cd "$here/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
	pause_bin="$cache/pause/$version/pause"
	if [[ ! -x "$pause_bin" ]]; then
		log "building pause $version"
		mkdir -p "$(dirname "$pause_bin")"
		gcc -Os -Wall -static -DVERSION="v$version" -o "$pause_bin" "$source"
		strip "$pause_bin"
	fi
}

# --- images ----------------------------------------------------------------------

# image_from_files TAG CHANGES... < tar : one-layer image from a tar stream.
image_from_files() {
	local tag=$1
	shift
	local change changes=(--change "LABEL io.pyk8s-lab.kind-node.component=$tag")
	for change in "$@"; do changes+=(--change "$change"); done
	docker import "${changes[@]}" - "$tag" >/dev/null
}

# A tar stream of FILE... placed at DEST/ in the image (owned by root).
files_at() {
	local dest=$1 dir
	shift
	dir=$(mktemp -d)
	mkdir -p "$dir/$dest"
	cp "$@" "$dir/$dest/"
	tar -C "$dir" --owner=0 --group=0 -c .
	rm -rf "$dir"
}

static_image() {  # static_image TAG BINARY : a FROM scratch image of one program
	local tag=$1 binary=$2
	files_at usr/local/bin "$binary" |
		image_from_files "$tag" "ENV PATH=/usr/local/bin" "ENTRYPOINT [\"/usr/local/bin/$(basename "$binary")\"]"
}

# An image of one program on the Debian root filesystem with iptables.
iptables_image() {  # iptables_image TAG BINARY
	local tag=$1 binary=$2 dir
	dir=$(mktemp -d)
	tar -C "$dir" -xf "$iptables_rootfs"
	install -D -m 0755 "$binary" "$dir/usr/local/bin/$(basename "$binary")"
	tar -C "$dir" --numeric-owner -c . |
		image_from_files "$tag" "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
			"ENTRYPOINT [\"/usr/local/bin/$(basename "$binary")\"]"
	rm -rf "$dir"
}

build_component_images() {
	log "component images"
	iptables_rootfs=$("$here/rootfs.sh" iptables "${IPTABLES_PACKAGES[@]}")
	local component
	for component in kube-apiserver kube-controller-manager kube-scheduler; do
		static_image "$registry/$component:$kube_version" "$kube_bin/$component"
	done
	iptables_image "$registry/kube-proxy:$kube_version" "$kube_bin/kube-proxy"
	static_image "$etcd_image" "$etcd_bin"
	# kubeadm's CoreDNS Deployment runs the image's entrypoint with -conf.
	files_at / "$coredns_bin" | image_from_files "$coredns_image" 'ENTRYPOINT ["/coredns"]'
	files_at / "$pause_bin" | image_from_files "$pause_image" 'USER 65535:65535' 'ENTRYPOINT ["/pause"]'
	kindnetd_image=pyk8s-lab/kindnetd:$kube_version
	iptables_image "$kindnetd_image" "$cache/kindnetd"
	preloaded_images=(
		"$registry/kube-apiserver:$kube_version" "$registry/kube-controller-manager:$kube_version"
		"$registry/kube-scheduler:$kube_version" "$registry/kube-proxy:$kube_version"
		"$etcd_image" "$coredns_image" "$pause_image" "$kindnetd_image"
	)
}

# --- the node ----------------------------------------------------------------------

# What the node image is made of; an image with this key is reused as it is.
node_build_key() {
	(
		cd "$here"
		find . -type f ! -name '*.md' -print0 | sort -z | xargs -0 sha256sum
		sha256sum "$kube_bin"/* "$etcd_bin" "$coredns_bin" "$pause_bin" "$cache/kindnetd" | cut -c1-64
	) | sha256sum | cut -c1-16
}

assemble_node() {
	local key=$1 base container files
	local node_rootfs
	node_rootfs=$("$here/rootfs.sh" node "${NODE_PACKAGES[@]}")
	base="pyk8s-lab/kind-node-base:$(basename "$node_rootfs" .tar)"
	if ! docker image inspect "$base" >/dev/null 2>&1; then
		log "importing the node's root filesystem"
		docker import - "$base" <"$node_rootfs" >/dev/null
	fi

	files=$(mktemp -d)
	cp -a "$here/node/." "$files/"
	install -D -m 0755 -t "$files/usr/bin" "$kube_bin/kubeadm" "$kube_bin/kubelet" "$kube_bin/kubectl"
	echo "$kube_version" >"$files/kind/version"
	sed -i "s#PAUSE_IMAGE#$pause_image#" "$files/etc/containerd/config.toml"
	sed -i "s#KINDNETD_IMAGE#docker.io/$kindnetd_image#" "$files/kind/manifests/default-cni.yaml"
	mkdir -p "$files/etc/systemd/system/multi-user.target.wants" "$files/etc/cni/net.d"
	ln -s /etc/systemd/system/kubelet.service "$files/etc/systemd/system/multi-user.target.wants/kubelet.service"
	# No terminals in a node; systemd would only wait for them.
	ln -s /dev/null "$files/etc/systemd/system/getty.target"
	ln -s /dev/null "$files/etc/systemd/system/console-getty.service"

	log "assembling $node_image"
	container=$(docker run -d --privileged --tmpfs /run --tmpfs /tmp --entrypoint sleep "$base" infinity)
	# shellcheck disable=SC2064
	trap "docker rm -f $container >/dev/null; rm -rf $files; trap - RETURN" RETURN
	tar -C "$files" --owner=0 --group=0 -c . | docker cp - "$container:/"
	# Each node gets its own machine id from the entrypoint.
	docker exec "$container" sh -c ': >/etc/machine-id'

	# Preload every image into the node's containerd, packed: the CRI plugin
	# unpacks an image the first time a pod uses it.
	docker exec -d "$container" containerd
	docker exec "$container" sh -c 'for _ in $(seq 50); do [ -S /run/containerd/containerd.sock ] && exit 0; sleep 0.2; done; exit 1'
	docker save "${preloaded_images[@]}" |
		docker exec -i "$container" ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests - >/dev/null
	docker exec "$container" ctr --namespace=k8s.io images list -q | sort >&2
	docker exec "$container" pkill containerd
	docker exec "$container" sh -c 'while pgrep -x containerd >/dev/null; do sleep 0.2; done'

	docker commit \
		--change 'ENTRYPOINT ["/usr/local/bin/entrypoint"]' \
		--change 'CMD ["/sbin/init"]' \
		--change 'ENV container=docker' \
		--change "LABEL io.pyk8s-lab.kind-node.build-key=$key" \
		"$container" "$node_image" >/dev/null
	# The image this one replaces is now untagged: a gigabyte nobody will use.
	docker image prune --force --filter "label=io.pyk8s-lab.kind-node.build-key" >/dev/null
	docker image prune --force --filter "label=io.pyk8s-lab.kind-node.component" >/dev/null
}

main() {
	build_kubernetes
	read_kubeadm_images
	build_etcd
	build_coredns
	build_pause
	local key
	key=$(node_build_key)
	if [[ "$(docker image inspect -f '{{index .Config.Labels "io.pyk8s-lab.kind-node.build-key"}}' "$node_image" 2>/dev/null)" == "$key" ]]; then
		log "$node_image is up to date"
	else
		build_component_images
		assemble_node "$key"
	fi
	echo "$node_image"
}

main
