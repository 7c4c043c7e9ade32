# shellcheck shell=bash
# The Debian packages of each root filesystem, sourced by build.sh.
# The node: systemd as PID 1, containerd and runc for the pods, what kubelet,
# kubeadm and kube-proxy's host side call (iptables, conntrack, socat, mount,
# ethtool), and the CNI plugins kindnetd's config chains.
# shellcheck disable=SC2034 # used by build.sh
NODE_PACKAGES=(systemd systemd-sysv dbus containerd runc iptables nftables
	containernetworking-plugins conntrack socat mount util-linux iproute2 ethtool
	kmod procps ca-certificates bash libseccomp2 e2fsprogs findutils)
# The base of the images whose programs call iptables: kube-proxy and kindnetd.
# shellcheck disable=SC2034
IPTABLES_PACKAGES=(iptables nftables conntrack iproute2 kmod ca-certificates)
