/**
 * The identifiers rules join on: pod sandbox IDs, the pod, and the CNI plugin and operation that
 * failed. kubelet, containerd, CRI-O and the CNI agents each spell them differently; every
 * pattern here is anchored on a literal and uses classes that cannot overlap, so none backtracks.
 */

export interface PodRef {
  namespace?: string;
  name: string;
  uid?: string;
}

export type CniOp = 'add' | 'delete' | 'check' | 'status' | 'gc';

export interface LogFacts {
  sandboxIds: string[];
  pod?: PodRef;
  cniPluginType?: string;
  cniOp?: CniOp;
}

const SANDBOX_PATTERNS: RegExp[] = [
  // sandbox "id", sandbox \"id\", sandbox container "id", sandbox id "id", StopPodSandbox for "id"
  /sandbox(?: container| id| for)? \\*["']([^"'\\\s]{1,128})\\*["']/gi,
  /is reserved for \\*"([^"'\\\s]{1,128})\\*"/g,
  // CRI-O and dockershim names: k8s_<pod>_<ns>_<uid>_<attempt>(<id>)
  /_\d+\(([0-9a-f]{64})\)/g,
  // CRI-O "Got pod network &{Name:… Namespace:… ID:<id> UID:…"
  / ID:([0-9a-f]{64})\b/g,
  // libcni cache paths: /var/lib/cni/results/<net>-<id>-<ifname>
  /\/results\/[^\s:"]*?-([0-9a-f]{64})-[^\s:"/]+/g,
  /K8S_POD_INFRA_CONTAINER_ID=([^;\s)"]+)/g,
  // aws-cni plugin.log: "Received CNI add request: ContainerID(<id>) Netns(...)"
  /ContainerID\(([^)\s]{1,128})\)/g,
];

// Patterns that also carry the pod UID come first.
const POD_PATTERNS: { re: RegExp; order: 'ns-name' | 'name-ns' | 'meta' }[] = [
  { re: /PodSandboxMetadata\{Name:([^,}]*),Uid:([^,}]*),Namespace:([^,}]*),/, order: 'meta' },
  { re: /Running pod sandbox: ([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)\/POD/, order: 'ns-name' },
  // pod_workers: "coredns-78fcd69978-rnpww_kube-system(4446202f-a6a4-466b-bfda-b6cfbc909d43)"
  { re: /\\*"([a-z0-9][a-z0-9.-]*)_([a-z0-9][a-z0-9-]*)\(([0-9a-f-]{36})\)\\*"/, order: 'name-ns' },
  // CRI-O sandbox names: k8s_<pod>_<ns>_<uid>_<attempt>
  { re: /k8s_(?:POD_)?([a-z0-9][a-z0-9.-]*)_([a-z0-9][a-z0-9-]*)_([0-9a-f-]{36})_\d+/, order: 'name-ns' },
  // dockershim: set up pod "web-0_default" network
  { re: /pod \\*"([a-z0-9][a-z0-9.-]*)_([a-z0-9][a-z0-9-]*)\\*" network/, order: 'name-ns' },
  // CRI-O: Adding pod default_web-0 to CNI network
  { re: /pod ([a-z0-9][a-z0-9-]*)_([a-z0-9][a-z0-9.-]*) (?:to|from) CNI network/, order: 'ns-name' },
];

const PLUGIN_TYPE = /plugin type=\\*["']([^"'\\]{1,64})\\*["']/;
const CNI_OP = /failed \((add|delete|del|check|status|gc)\)/;

function podFromFields(fields: Record<string, string>): PodRef | undefined {
  const pod = fields['pod'] ?? fields['k8sPodName'];
  if (pod) {
    const slash = pod.indexOf('/');
    if (slash > 0) return { namespace: pod.slice(0, slash), name: pod.slice(slash + 1) };
    if (/^[a-z0-9][a-z0-9.-]*$/.test(pod)) {
      const ns = fields['namespace'] ?? fields['k8sNamespace'];
      return ns ? { namespace: ns, name: pod } : { name: pod };
    }
  }
  // Calico's CNI plugin: Namespace="default" Pod="web-0" (or Workload="default/web-0")
  const calicoPod = fields['Pod'];
  if (calicoPod) return fields['Namespace'] ? { namespace: fields['Namespace'], name: calicoPod } : { name: calicoPod };
  const workload = fields['Workload'];
  if (workload && workload.includes('/')) {
    const [ns, name] = workload.split('/', 2) as [string, string];
    return { namespace: ns, name };
  }
  const k8sName = fields['K8S_POD_NAME'];
  if (k8sName) {
    const ns = fields['K8S_POD_NAMESPACE'];
    return ns ? { namespace: ns, name: k8sName } : { name: k8sName };
  }
  return undefined;
}

function podFromText(text: string): PodRef | undefined {
  for (const { re, order } of POD_PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    if (order === 'meta') return { namespace: m[3]!, name: m[1]!, uid: m[2]! };
    const ref: PodRef = order === 'ns-name' ? { namespace: m[1]!, name: m[2]! } : { namespace: m[2]!, name: m[1]! };
    if (m[3]) ref.uid = m[3];
    return ref;
  }
  const ns = /K8S_POD_NAMESPACE=([^;\s)"]+)/.exec(text);
  const name = /K8S_POD_NAME=([^;\s)"]+)/.exec(text);
  if (name) return ns ? { namespace: ns[1]!, name: name[1]! } : { name: name[1]! };
  return undefined;
}

function addId(out: string[], id: string | undefined): void {
  if (id && !out.includes(id)) out.push(id);
}

/** Sandbox IDs from structured fields that name one. */
function idsFromFields(fields: Record<string, string>, out: string[]): void {
  const psid = fields['podSandboxID'];
  if (psid) {
    // kubelet also prints it as a struct: podSandboxID={"Type":"containerd","ID":"e0f6…"}
    const m = /"ID":"([^"]+)"/.exec(psid);
    addId(out, m ? m[1] : psid);
  }
  addId(out, fields['ContainerID']);
  addId(out, fields['containerID']);
  addId(out, fields['K8S_POD_INFRA_CONTAINER_ID']);
}

/**
 * Extracts facts from a message and its fields. `texts` are searched in order; the first pod
 * found wins, sandbox IDs are collected from all of them without duplicates.
 */
export function extractFacts(texts: readonly string[], fields: Record<string, string> = {}): LogFacts {
  const sandboxIds: string[] = [];
  idsFromFields(fields, sandboxIds);
  let pod = podFromFields(fields);
  let cniPluginType: string | undefined;
  let cniOp: CniOp | undefined;
  for (const text of texts) {
    if (!text) continue;
    for (const re of SANDBOX_PATTERNS) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) addId(sandboxIds, m[1]);
    }
    pod ??= podFromText(text);
    cniPluginType ??= PLUGIN_TYPE.exec(text)?.[1];
    if (cniOp === undefined) {
      const op = CNI_OP.exec(text)?.[1];
      if (op) cniOp = op === 'del' ? 'delete' : (op as CniOp);
    }
  }
  const facts: LogFacts = { sandboxIds };
  if (pod) facts.pod = pod;
  if (cniPluginType) facts.cniPluginType = cniPluginType;
  if (cniOp) facts.cniOp = cniOp;
  return facts;
}
