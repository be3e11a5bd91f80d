/**
 * Before collecting, ask the API server what this identity may read (SelfSubjectAccessReview),
 * so the user learns up front which evidence will come back `forbidden`, and the bundle records
 * it. The checks are exactly the requests the collector makes; deploy/rbac.yaml grants exactly
 * these (a test holds the two together).
 */
import type { KubeApi } from './api.js';
import { CONFIGMAPS, EVIDENCE_NAMESPACES } from './catalog.js';

/** Where a check applies: cluster-wide, in each evidence namespace, or in the node-pod namespace. */
export type AccessScope = 'cluster' | 'evidence-namespaces' | 'node-pod-namespace';

export interface AccessRule {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  scope: AccessScope;
  /** Restricted to these names (ConfigMaps). */
  names?: readonly string[];
  /** What is lost without it. */
  why: string;
}

/** Every API permission the collector uses. */
export const ACCESS_RULES: readonly AccessRule[] = [
  { verb: 'list', group: '', resource: 'nodes', scope: 'cluster', why: 'cluster/nodes.json, and the nodes of the pods in scope' },
  { verb: 'list', group: '', resource: 'namespaces', scope: 'cluster', why: 'which CNI namespaces exist' },
  { verb: 'list', group: '', resource: 'pods', scope: 'cluster', why: 'finding stuck pods, and the pods of kube-system and the CNI namespaces' },
  { verb: 'get', group: '', resource: 'pods', scope: 'cluster', why: 'pods named with --pod or by sandbox events, and watching the node pods start' },
  { verb: 'list', group: '', resource: 'events', scope: 'cluster', why: 'cluster/events.json: sandbox failures and the events of the pods in scope' },
  { verb: 'list', group: 'apps', resource: 'daemonsets', scope: 'evidence-namespaces', why: 'cluster/<ns>/daemonsets.json: CNI agent rollout state' },
  { verb: 'get', group: '', resource: 'configmaps', scope: 'evidence-namespaces', names: [...new Set(CONFIGMAPS.map((c) => c.name))].sort(), why: 'cluster/configmaps: CNI, kube-proxy and kubeadm configuration (pod and service CIDRs)' },
  { verb: 'get', group: '', resource: 'pods', subresource: 'log', scope: 'evidence-namespaces', why: 'cluster/logs: CNI agent and kube-proxy logs on the nodes in scope' },
  { verb: 'create', group: '', resource: 'pods', scope: 'node-pod-namespace', why: 'node evidence: the short-lived privileged pod on each node' },
  { verb: 'delete', group: '', resource: 'pods', scope: 'node-pod-namespace', why: 'removing the node pods again' },
  { verb: 'create', group: '', resource: 'pods', subresource: 'exec', scope: 'node-pod-namespace', why: 'node evidence: streaming the node script output back (API servers 1.30+)' },
  { verb: 'get', group: '', resource: 'pods', subresource: 'exec', scope: 'node-pod-namespace', why: 'node evidence: streaming the node script output back (API servers before 1.30)' },
];

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  why: string;
}

export interface AccessCheckResult extends AccessCheck {
  /** null when the review itself could not be made. */
  allowed: boolean | null;
  reason?: string;
  evaluationError?: string;
}

export interface AccessReport {
  kind: 'AccessReview';
  apiVersion: 'cni-evidence/v1';
  reviewedAt: string;
  context: string;
  server: string;
  checks: AccessCheckResult[];
  summary: { allowed: number; denied: number; unknown: number };
}

export interface AccessCheckOptions {
  /** Evidence namespaces that exist (default: all of them). */
  namespaces?: readonly string[];
  nodePodNamespace: string;
  /** Leave out the node-pod checks (--no-node-evidence). */
  nodeEvidence: boolean;
}

/** The concrete reviews for this cluster: namespaced rules per namespace, ConfigMaps per name. */
export function accessChecks(options: AccessCheckOptions): AccessCheck[] {
  const namespaces = options.namespaces ?? EVIDENCE_NAMESPACES;
  const checks: AccessCheck[] = [];
  for (const rule of ACCESS_RULES) {
    const base = { verb: rule.verb, group: rule.group, resource: rule.resource, ...(rule.subresource ? { subresource: rule.subresource } : {}), why: rule.why };
    if (rule.scope === 'cluster') {
      checks.push(base);
    } else if (rule.scope === 'node-pod-namespace') {
      if (options.nodeEvidence) checks.push({ ...base, namespace: options.nodePodNamespace });
    } else if (rule.names) {
      for (const cm of CONFIGMAPS) if (namespaces.includes(cm.namespace)) checks.push({ ...base, namespace: cm.namespace, name: cm.name });
    } else {
      for (const ns of namespaces) checks.push({ ...base, namespace: ns });
    }
  }
  return checks;
}

export function describeCheck(check: AccessCheck): string {
  const resource = check.subresource ? `${check.resource}/${check.subresource}` : check.resource;
  const group = check.group === '' ? '' : `.${check.group}`;
  const where = check.namespace ? ` in ${check.namespace}` : ' cluster-wide';
  return `${check.verb} ${resource}${group}${check.name ? ` ${check.name}` : ''}${where}`;
}

interface ReviewAnswer {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

export async function runPreflight(api: KubeApi, options: AccessCheckOptions & { context: string }): Promise<AccessReport> {
  const checks = accessChecks(options);
  const checked = await Promise.all(
    checks.map(async (check): Promise<AccessCheckResult> => {
      const result = await api.json<ReviewAnswer>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        method: 'POST',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: check.verb,
              group: check.group,
              resource: check.resource,
              ...(check.subresource ? { subresource: check.subresource } : {}),
              ...(check.namespace ? { namespace: check.namespace } : {}),
              ...(check.name ? { name: check.name } : {}),
            },
          },
        },
      });
      if (!result.ok) return { ...check, allowed: null, evaluationError: result.message };
      const status = result.value.status ?? {};
      return {
        ...check,
        allowed: status.allowed === true,
        ...(status.reason ? { reason: status.reason } : {}),
        ...(status.evaluationError ? { evaluationError: status.evaluationError } : {}),
      };
    }),
  );
  return {
    kind: 'AccessReview',
    apiVersion: 'cni-evidence/v1',
    reviewedAt: new Date().toISOString(),
    context: options.context,
    server: api.server,
    checks: checked,
    summary: {
      allowed: checked.filter((c) => c.allowed === true).length,
      denied: checked.filter((c) => c.allowed === false).length,
      unknown: checked.filter((c) => c.allowed === null).length,
    },
  };
}
