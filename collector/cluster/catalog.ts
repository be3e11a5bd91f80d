/**
 * What the cluster collector looks at, in one place: the preflight checks, deploy/rbac.yaml and
 * the sources all derive from these lists, so granting and collecting cannot drift apart.
 */

export const SYSTEM_NAMESPACE = 'kube-system';

/** Namespaces the common CNIs install their agents into (besides kube-system). */
export const CNI_NAMESPACES = ['kube-flannel', 'calico-system', 'tigera-operator', 'cilium'] as const;

/** kube-system first: it is where most CNIs and kube-proxy run. */
export const EVIDENCE_NAMESPACES: readonly string[] = [SYSTEM_NAMESPACE, ...CNI_NAMESPACES];

/**
 * CNI and kube-proxy ConfigMaps, where each install puts them. kubeadm-config holds the cluster's
 * pod and service CIDRs; the others the CNI's own view of them.
 */
export const CONFIGMAPS: ReadonlyArray<{ namespace: string; name: string }> = [
  { namespace: 'kube-flannel', name: 'kube-flannel-cfg' },
  // Flannel manifests before v0.20 installed into kube-system.
  { namespace: 'kube-system', name: 'kube-flannel-cfg' },
  { namespace: 'kube-system', name: 'cilium-config' },
  { namespace: 'cilium', name: 'cilium-config' },
  { namespace: 'kube-system', name: 'calico-config' },
  { namespace: 'kube-system', name: 'kube-proxy' },
  { namespace: 'kube-system', name: 'kubeadm-config' },
  { namespace: 'kube-system', name: 'aws-node' },
  // The VPC CNI's own settings map (the seeds ask for aws-node; EKS add-ons write this one).
  { namespace: 'kube-system', name: 'amazon-vpc-cni' },
];

export const CONFIGMAP_NAMES: readonly string[] = [...new Set(CONFIGMAPS.map((c) => c.name))].sort();

/** Event reasons that put a pod in the default scope. */
export const SCOPE_EVENT_REASONS = ['FailedCreatePodSandBox', 'FailedKillPod'] as const;

/** Warning events kept cluster-wide because they are about sandboxes and pod networking. */
export function isSandboxEvent(reason: string | undefined, message: string | undefined): boolean {
  if (reason && /sandbox|FailedKillPod|NetworkNotReady|FailedCreatePodContainer/i.test(reason)) return true;
  return message !== undefined && /sandbox|\bcni\b|network plugin|networkplugin|NetworkNotReady|NetworkPluginNotReady/i.test(message);
}

/**
 * DaemonSets in kube-system whose pods are network agents (CNI, kube-proxy, their helpers). In the
 * CNI namespaces every DaemonSet counts.
 */
export const AGENT_DAEMONSET = /flannel|calico|canal|cilium|aws-node|kube-proxy|weave|kube-router|antrea|kindnet|multus|ovn|cni|netd|azure-npm|azure-cns|vpc|ip-masq/i;

export function isAgentDaemonSet(namespace: string, name: string): boolean {
  return namespace !== SYSTEM_NAMESPACE || AGENT_DAEMONSET.test(name);
}

/** Labels that say two nodes are of the same kind (instance type, pool, OS, architecture). */
export const NODE_KIND_LABELS: ReadonlyArray<{ label: string; weight: number; what: string }> = [
  { label: 'node.kubernetes.io/instance-type', weight: 4, what: 'instance type' },
  { label: 'beta.kubernetes.io/instance-type', weight: 4, what: 'instance type' },
  { label: 'eks.amazonaws.com/nodegroup', weight: 4, what: 'node group' },
  { label: 'alpha.eksctl.io/nodegroup-name', weight: 4, what: 'node group' },
  { label: 'cloud.google.com/gke-nodepool', weight: 4, what: 'node pool' },
  { label: 'kubernetes.azure.com/agentpool', weight: 4, what: 'agent pool' },
  { label: 'agentpool', weight: 4, what: 'agent pool' },
  { label: 'karpenter.sh/nodepool', weight: 4, what: 'node pool' },
  { label: 'node.kubernetes.io/pool', weight: 4, what: 'pool' },
  { label: 'kubernetes.io/os', weight: 2, what: 'OS' },
  { label: 'kubernetes.io/arch', weight: 2, what: 'architecture' },
];
