/**
 * Names that are never pseudonymized. Two reasons: they name public software or Kubernetes
 * itself rather than the customer (kube-system, coredns-…, kube-flannel-ds-…), and the analyzer
 * reads them (it finds flannel's logs by name, parses `master cni0` in `ip link`). A customer's
 * node called `master` or namespace called `bridge` would otherwise turn `ip link` and CNI error
 * text into nonsense; such single common words stay, and carry little about the customer anyway.
 */
import { REDACTION_RULE_IDS } from '../redact/rules/index.js';

export const KEPT_NAMESPACES = new Set([
  'default', 'kube-system', 'kube-public', 'kube-node-lease', 'kube-flannel', 'calico-system', 'calico-apiserver', 'tigera-operator',
  'cilium', 'cilium-secrets', 'cilium-spire', 'amazon-vpc-cni', 'aws-observability', 'gke-managed-system', 'gke-managed-cim',
  'gke-gmp-system', 'gmp-system', 'gmp-public', 'local-path-storage', 'metallb-system', 'ingress-nginx', 'cert-manager',
  'istio-system', 'linkerd', 'antrea-system', 'kube-ovn', 'multus', 'openshift-sdn', 'openshift-ovn-kubernetes', 'cni-evidence',
]);

/** Workload name prefixes of public components: their pods keep their names. */
export const COMPONENT_PREFIXES: readonly string[] = [
  'kube-flannel', 'flannel', 'canal', 'calico', 'cilium', 'hubble', 'tigera', 'coredns', 'kube-dns', 'kube-proxy', 'kube-apiserver',
  'kube-controller-manager', 'kube-scheduler', 'etcd', 'aws-node', 'aws-load-balancer', 'ebs-csi', 'efs-csi', 'kube-router', 'weave',
  'antrea', 'kindnet', 'konnectivity', 'metrics-server', 'multus', 'whereabouts', 'local-path-provisioner', 'csi-', 'node-local-dns',
  'nodelocaldns', 'cluster-autoscaler', 'kube-state-metrics', 'ip-masq-agent', 'azure-cni', 'azure-ip-masq', 'cloud-node-manager',
  'cloud-controller-manager', 'gke-metadata-server', 'pdcsi', 'kube-vip', 'haproxy', 'keepalived', 'svclb', 'traefik', 'helm-install',
  'cni-evidence', 'ovnkube', 'ovs-', 'kube-ovn', 'sdn-', 'tigera-operator', 'kube-multus', 'amazon-vpc-cni', 'snapshot-controller',
];

/** Static pods are named `<component>-<node name>`: the component stays, the node part is mapped. */
export const STATIC_POD_COMPONENTS: readonly string[] = [
  'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kube-proxy', 'kube-vip', 'haproxy', 'keepalived', 'cloud-controller-manager',
];

/** Domain labels that are public suffixes or provider conventions, not customer names. */
export const KEPT_DOMAIN_LABELS = new Set([
  'com', 'net', 'org', 'io', 'dev', 'cloud', 'local', 'localdomain', 'localhost', 'internal', 'corp', 'lan', 'home', 'intra', 'private',
  'cluster', 'svc', 'pod', 'ec2', 'compute', 'amazonaws', 'googleusercontent', 'cloudapp', 'azure', 'example', 'invalid', 'test', 'arpa',
  'in-addr', 'ip6', 'us', 'eu', 'uk', 'de', 'fr', 'jp', 'cn',
]);

const WORDS = `
a about above accept access active add addr address addresses agent all allocate allocated already and api app apply arp attempt
available backend bad bandwidth bin binary block blocks bond boot bpf bridge broadcast brd cache cached cali calico can cannot cbr0 cert
chain check cidr cilium cleanup client cluster cni cni0 code complete conf config conflict conflist connect connection container
containerd containers context control controller could create created crio cri daemon data default del delegate delete deleted
deny describe dev device dhcp docker docker0 down drop dst dummy dynamic egress enabled endpoint error errors eth0 eth1 ether event
events exec exist exists exit failed failure false file filter firewall flannel for forward forwarding found from gateway get global
group hairpin host host-device host-local hostname http https iface image in inet inet6 info ingress init input interface internal
invalid ip ipam ipip iptables ipv4 ipv6 ipvlan is kernel key kind kube kubelet kubernetes label legacy link lo local lock log logs
lookup loopback lower_up macvlan main manager mangle map mark master max message metadata mode mtu multicast name namespace nat
net netns network networks new nft no node nodes noqueue none not null ok on off operator output pause pending phase plugin plugins
pod pods policy port portmap postrouting prerouting primary proto ptp qdisc qlen queue range ready reason redacted reject remove
reserved resource result results route router routes rule rules run running runtime sandbox sbr scope secondary server service
services set setup since spec src start started state static status stop subnet success system table tap target test the timeout to
token true tunnel tuning type unknown up update used valid value veth via vlan vrf vxlan wait warning weave with worker workload
web api db cache master worker control-plane controlplane edge gateway proxy ingress egress monitoring logging storage database
backend frontend service services production prod staging stage dev development qa sandbox demo app apps
`;

export const VOCABULARY = new Set([...WORDS.split(/\s+/).filter((w) => w !== ''), ...REDACTION_RULE_IDS]);

export function isKeptNamespace(name: string): boolean {
  return KEPT_NAMESPACES.has(name) || name.startsWith('kube-') || name.startsWith('openshift-');
}

export function isComponent(base: string): boolean {
  return COMPONENT_PREFIXES.some((prefix) => (prefix.endsWith('-') ? base.startsWith(prefix) : base === prefix || base.startsWith(`${prefix}-`)));
}

/** A label that must keep its text wherever it appears. */
export function isProtectedLabel(label: string): boolean {
  return label.length < 3 || VOCABULARY.has(label.toLowerCase()) || KEPT_DOMAIN_LABELS.has(label.toLowerCase()) || isKeptNamespace(label);
}
