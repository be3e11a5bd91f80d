/**
 * deploy/rbac.yaml grants exactly what the preflight checks (nothing more, nothing less), and a
 * service account with exactly those rules collects a complete bundle.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFIGMAP_NAMES, EVIDENCE_NAMESPACES } from '../../../collector/cluster/catalog.js';
import { collectCluster } from '../../../collector/cluster/collect-cluster.js';
import { ACCESS_RULES, type AccessScope } from '../../../collector/cluster/preflight.js';
import { DEFAULT_ADMIN, type RbacRule } from '../../kube-api/server.js';
import { readBack, startTestCluster } from './helpers.js';

const MANIFEST = fileURLToPath(new URL('../../../deploy/rbac.yaml', import.meta.url));

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

async function manifest(): Promise<Doc[]> {
  const text = await readFile(MANIFEST, 'utf8');
  return YAML.parseAllDocuments(text).map((d) => d.toJSON() as Doc);
}

/** Where each role is bound: cluster-wide, or in these namespaces. */
function bindings(docs: Doc[]): Array<{ role: Doc; namespaces: string[] | null }> {
  const out: Array<{ role: Doc; namespaces: string[] | null }> = [];
  for (const role of docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')) {
    const refs = docs.filter((d) => (d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding') && d.roleRef?.name === role.metadata.name && d.roleRef.kind === role.kind);
    const cluster = refs.some((d) => d.kind === 'ClusterRoleBinding');
    out.push({ role, namespaces: cluster ? null : refs.map((d) => d.metadata.namespace!).sort() });
  }
  return out;
}

function scopeOf(namespaces: string[] | null): AccessScope {
  if (namespaces === null) return 'cluster';
  if (namespaces.length === 1 && namespaces[0] === 'kube-system') return 'node-pod-namespace';
  return 'evidence-namespaces';
}

describe('deploy/rbac.yaml', async () => {
  const docs = await manifest();

  it('grants exactly the checks of the preflight, in the same scopes', () => {
    const granted = new Set<string>();
    for (const { role, namespaces } of bindings(docs)) {
      for (const rule of role.rules ?? []) {
        for (const verb of rule.verbs) for (const group of rule.apiGroups) for (const resource of rule.resources) {
          granted.add(`${verb} ${group}/${resource} @${scopeOf(namespaces)}${rule.resourceNames ? ` names=${rule.resourceNames.join(',')}` : ''}`);
        }
      }
    }
    const checked = new Set(ACCESS_RULES.map((r) => `${r.verb} ${r.group}/${r.resource}${r.subresource ? `/${r.subresource}` : ''} @${r.scope}${r.names ? ` names=${r.names.join(',')}` : ''}`));
    expect([...granted].sort()).toEqual([...checked].sort());
    const agents = bindings(docs).find((b) => b.role.metadata.name === 'cni-evidence-agents');
    expect(agents?.namespaces).toEqual([...EVIDENCE_NAMESPACES].sort());
    expect(agents?.role.rules?.find((r) => r.resources.includes('configmaps'))?.resourceNames).toEqual([...CONFIGMAP_NAMES]);
    // Every binding names the one service account.
    const subjects = docs.flatMap((d) => d.subjects ?? []).map((s) => `${s.kind} ${s.namespace}/${s.name}`);
    expect(new Set(subjects)).toEqual(new Set(['ServiceAccount kube-system/cni-evidence']));
    expect(docs.some((d) => d.kind === 'ServiceAccount' && d.metadata.name === 'cni-evidence' && d.metadata.namespace === 'kube-system')).toBe(true);
  });

  it('is enough: a service account with exactly these rules collects a complete bundle', async () => {
    const rules: RbacRule[] = [];
    for (const { role, namespaces } of bindings(docs)) {
      for (const rule of role.rules ?? []) {
        rules.push({ verbs: rule.verbs, apiGroups: rule.apiGroups, resources: rule.resources, ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}), ...(namespaces ? { namespaces } : {}) });
      }
    }
    const sa = { name: 'system:serviceaccount:kube-system:cni-evidence', token: 'sa-token', rules };
    const c = await startTestCluster({ users: [DEFAULT_ADMIN, sa], user: sa.name });
    const out = join(c.dir, 'sa.tgz');
    const result = await collectCluster({ output: out, kubeconfig: c.kubeconfig, nodeTimeoutMs: 20_000 });
    expect(result.summary.reasons).toEqual([]);
    expect(result.summary.complete).toBe(true);
    expect(result.summary.denied).toEqual([]);
    expect(c.server.requests.filter((r) => r.user === sa.name && r.status === 403)).toEqual([]);
    const b = await readBack(out);
    expect(b.manifest.completion).toEqual({ state: 'complete' });
    expect(result.summary.nodes.map((n) => `${n.node} ${n.status}`)).toEqual(['node-2 complete', 'node-3 complete']);
    expect(c.nodePods()).toEqual([]);
  });
});
