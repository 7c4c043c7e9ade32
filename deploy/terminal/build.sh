#!/bin/bash
# Build the terminal image (PYK8S_TERMINAL_IMAGE) without any image registry: a Debian
# bookworm root filesystem from debootstrap (deploy/kind-node/rootfs.sh, cached), with bash,
# bash-completion and the kubectl that deploy/kind-node/build.sh built for the node image,
# imported with `docker import`.
#
#   deploy/kind-node/build.sh        # first: builds (or reuses) kubectl in the cache
#   deploy/terminal/build.sh         # builds pyk8s-lab/terminal:<kubectl version>; prints the tag
#
# Environment:
#   PYK8S_E2E_CACHE              cache folder (default /var/cache/pyk8s-e2e), as for the node image
#   PYK8S_TERMINAL_IMAGE_TAG     the tag to build (default pyk8s-lab/terminal:<kubectl version>)
#
# The relay runs it as user 1000 with a read-only root and tmpfs /home/learner and /tmp; the
# image only has to hold the programs and a user of that id.
set -o errexit -o nounset -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PYK8S_E2E_CACHE:-/var/cache/pyk8s-e2e}
log() { echo "[terminal $(date +%T)] $*" >&2; }

kubectl="$cache/bin/kubectl"
if [[ ! -x $kubectl ]]; then
	echo "no kubectl in $cache/bin: run deploy/kind-node/build.sh first" >&2
	exit 1
fi
kube_version=$("$kubectl" version --client -o json | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n 1)
tag=${PYK8S_TERMINAL_IMAGE_TAG:-pyk8s-lab/terminal:$kube_version}

packages=(bash bash-completion ca-certificates less nano-tiny procps)
rootfs=$("$here/../kind-node/rootfs.sh" terminal "${packages[@]}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "assembling $tag from $rootfs"
mkdir -p "$work/root"
tar -C "$work/root" -xf "$rootfs"
install -D -m 0755 "$kubectl" "$work/root/usr/local/bin/kubectl"
"$kubectl" completion bash >"$work/root/usr/share/bash-completion/completions/kubectl"
# The session's user (uid 1000, `--user 1000:1000`) with its home on the tmpfs.
echo "learner:x:1000:1000:learner:/home/learner:/bin/bash" >>"$work/root/etc/passwd"
echo "learner:x:1000:" >>"$work/root/etc/group"
# Docker gives a tmpfs the mode of the directory it is mounted on (not --tmpfs's mode=) and
# root as its owner: the session's user can write its home only if that mode lets anyone.
install -d -m 1777 "$work/root/home/learner"
cat >"$work/root/etc/profile.d/pyk8s.sh" <<'PROFILE'
# A PyK8s-Lab terminal: kubectl is set up for this cluster.
[ -n "${BASH_VERSION:-}" ] && . /usr/share/bash-completion/bash_completion 2>/dev/null
alias k=kubectl
[ -n "${BASH_VERSION:-}" ] && complete -o default -F __start_kubectl k 2>/dev/null
PS1='\u@\h:\w\$ '
PROFILE
tar -C "$work/root" --numeric-owner -cf - . |
	docker import --change 'USER 1000:1000' --change 'WORKDIR /home/learner' \
		--change 'ENV HOME=/home/learner' --change 'CMD ["bash", "-l"]' - "$tag" >/dev/null
log "built $tag"
echo "$tag"
