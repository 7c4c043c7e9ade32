#!/bin/sh
# rootfs.sh NAME PACKAGES... : a Debian bookworm root filesystem, made by
# debootstrap from Debian's own mirror, as a tarball in the cache; prints its path.
# The tarball is keyed by the suite and the package list, so it is made once.
set -eu
name=$1
shift
cache=${PYK8S_E2E_CACHE:-/var/cache/pyk8s-e2e}
suite=${PYK8S_KIND_NODE_DEBIAN_SUITE:-bookworm}
mirror=${PYK8S_KIND_NODE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

key=$(echo "$suite $*" | sha256sum | cut -c1-12)
tarball="$cache/rootfs/$name-$suite-$key.tar"
if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi

command -v debootstrap >/dev/null || {
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}
mkdir -p "$cache/rootfs"
dir=$(mktemp -d "$cache/rootfs/$name.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "debootstrap $suite ($name): $*" >&2
nice debootstrap --variant=minbase --include="$(echo "$@" | tr ' ' ,)" \
	"$suite" "$dir" "$mirror" >&2
# What a container image needs none of: package lists, caches, docs.
chroot "$dir" apt-get clean
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/* \
	"$dir"/usr/share/locale/* "$dir"/var/log/*.log "$dir"/var/cache/debconf/*-old
tar -C "$dir" --numeric-owner -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
