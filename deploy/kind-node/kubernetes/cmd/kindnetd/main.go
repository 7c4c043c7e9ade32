// Command kindnetd is the pod network of PyK8s-Lab's kind node image.
//
// kind deploys whatever CNI its node image ships in /kind/manifests/default-cni.yaml.
// kind's own kindnetd (sigs.k8s.io/kind/images/kindnetd) is a module the Go
// module proxy does not serve, so this image ships this small agent instead,
// built on the same idea: every node is on one Docker network, so pods need no
// overlay, only
//
//   - a CNI config on each node that gives pods addresses from the node's
//     spec.podCIDRs (ptp + host-local, with portmap for hostPort),
//   - a route on each node to every other node's pod CIDRs via that node's
//     InternalIP,
//   - masquerading of pod traffic that leaves the cluster's pod network.
//
// It runs as a hostNetwork DaemonSet and converges every few seconds.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

const (
	cniConfigPath = "/etc/cni/net.d/10-kindnet.conflist"
	resyncPeriod  = 5 * time.Second
	masqComment   = "pyk8s-lab kindnetd: masquerade pod traffic leaving the pod network"
)

func main() {
	nodeName := os.Getenv("NODE_NAME")
	podSubnets := splitList(os.Getenv("POD_SUBNET"))
	if nodeName == "" || len(podSubnets) == 0 {
		klog.Fatal("NODE_NAME and POD_SUBNET must be set")
	}
	config, err := rest.InClusterConfig()
	if err != nil {
		klog.Fatalf("in-cluster config: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(config)

	for {
		if err := reconcile(context.Background(), client, nodeName, podSubnets); err != nil {
			klog.Errorf("reconcile: %v", err)
		}
		time.Sleep(resyncPeriod)
	}
}

func reconcile(ctx context.Context, client kubernetes.Interface, nodeName string, podSubnets []string) error {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for i := range nodes.Items {
		node := &nodes.Items[i]
		if node.Name == nodeName {
			if err := writeCNIConfig(node); err != nil {
				return err
			}
			continue
		}
		if err := routeToPodsOf(node); err != nil {
			return err
		}
	}
	for _, subnet := range podSubnets {
		if err := ensureMasquerade(subnet); err != nil {
			return err
		}
	}
	return nil
}

// writeCNIConfig writes the node's CNI config once its pod CIDRs are known;
// the kubelet reports the node NotReady until a config exists.
func writeCNIConfig(node *corev1.Node) error {
	if len(node.Spec.PodCIDRs) == 0 {
		klog.Infof("node %s has no pod CIDR yet", node.Name)
		return nil
	}
	var ranges [][]map[string]string
	var routes []map[string]string
	for _, cidr := range node.Spec.PodCIDRs {
		ranges = append(ranges, []map[string]string{{"subnet": cidr}})
		if strings.Contains(cidr, ":") {
			routes = append(routes, map[string]string{"dst": "::/0"})
		} else {
			routes = append(routes, map[string]string{"dst": "0.0.0.0/0"})
		}
	}
	config := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "kindnet",
		"plugins": []any{
			map[string]any{
				"type":   "ptp",
				"ipMasq": false,
				"mtu":    defaultRouteMTU(),
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": ranges,
					"routes": routes,
				},
			},
			map[string]any{
				"type":         "portmap",
				"capabilities": map[string]bool{"portMappings": true},
			},
		},
	}
	content, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return err
	}
	if current, err := os.ReadFile(cniConfigPath); err == nil && string(current) == string(content) {
		return nil
	}
	// Write then rename: the runtime must never read half a config.
	tmp := filepath.Join(filepath.Dir(cniConfigPath), ".kindnet.tmp")
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return err
	}
	klog.Infof("writing %s for pod CIDRs %v", cniConfigPath, node.Spec.PodCIDRs)
	return os.Rename(tmp, cniConfigPath)
}

// routeToPodsOf sends traffic for another node's pods to that node.
func routeToPodsOf(node *corev1.Node) error {
	for _, cidr := range node.Spec.PodCIDRs {
		_, dst, err := net.ParseCIDR(cidr)
		if err != nil {
			return fmt.Errorf("node %s pod CIDR %q: %w", node.Name, cidr, err)
		}
		gateway := internalIP(node, dst.IP.To4() != nil)
		if gateway == nil {
			klog.Infof("node %s has no InternalIP of the family of %s yet", node.Name, cidr)
			continue
		}
		route := &netlink.Route{Dst: dst, Gw: gateway}
		if err := netlink.RouteReplace(route); err != nil {
			return fmt.Errorf("route %s via %s: %w", cidr, gateway, err)
		}
	}
	return nil
}

func internalIP(node *corev1.Node, ipv4 bool) net.IP {
	for _, address := range node.Status.Addresses {
		if address.Type != corev1.NodeInternalIP {
			continue
		}
		ip := net.ParseIP(address.Address)
		if ip != nil && (ip.To4() != nil) == ipv4 {
			return ip
		}
	}
	return nil
}

// ensureMasquerade lets pods reach addresses outside the pod network (the
// node's network, the Docker host) under their node's address.
func ensureMasquerade(subnet string) error {
	iptables := "iptables"
	if strings.Contains(subnet, ":") {
		iptables = "ip6tables"
	}
	rule := []string{"POSTROUTING", "-s", subnet, "!", "-d", subnet,
		"-m", "comment", "--comment", masqComment, "-j", "MASQUERADE"}
	check := append([]string{"-t", "nat", "-C"}, rule...)
	if exec.Command(iptables, check...).Run() == nil {
		return nil
	}
	add := append([]string{"-w", "-t", "nat", "-A"}, rule...)
	if output, err := exec.Command(iptables, add...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %v: %w: %s", iptables, add, err, output)
	}
	klog.Infof("masquerading traffic from %s", subnet)
	return nil
}

// defaultRouteMTU is the MTU of the link the default route leaves by (the
// node's Docker network), so pod packets are never larger than it carries.
func defaultRouteMTU() int {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err == nil {
		for _, route := range routes {
			if route.Dst != nil && !route.Dst.IP.IsUnspecified() {
				continue
			}
			if link, err := netlink.LinkByIndex(route.LinkIndex); err == nil {
				return link.Attrs().MTU
			}
		}
	}
	return 1500
}

func splitList(value string) []string {
	var items []string
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
