/**
 * The names to pseudonymize, found in the bundle itself before anything is rewritten: nodes
 * (manifest, paths, NodeList, journal host column), namespaces and pods (PodList, events, log
 * and describe paths, CRI pod lists, libcni caches, kubelet and containerd lines), workloads
 * (owner references, DaemonSets) and containers of customer pods. Node-only bundles have no API
 * objects, so the node files are read too.
 */
import type { Readable } from 'node:stream';
import type { Manifest } from '../bundle/manifest-schema.js';
import { readBundle, type BundleReadResult, type ReadOptions } from '../bundle/reader.js';
import { isComponent } from './vocabulary.js';

export interface DiscoveredNames {
  nodes: Set<string>;
  hosts: Set<string>;
  namespaces: Set<string>;
  pods: Set<string>;
  workloads: Set<string>;
  containers: Set<string>;
  contexts: Set<string>;
}

export function emptyDiscovery(): DiscoveredNames {
  return { nodes: new Set(), hosts: new Set(), namespaces: new Set(), pods: new Set(), workloads: new Set(), containers: new Set(), contexts: new Set() };
}

const MAX_JSON_BYTES = 128 * 1024 * 1024;
const NAME = String.raw`[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?`;
const LINE_PATTERNS: readonly { re: RegExp; ns?: number; pod?: number }[] = [
  { re: new RegExp(String.raw`\bpods?="(${NAME})/(${NAME})"`, 'g'), ns: 1, pod: 2 },
  { re: new RegExp(String.raw`\b(${NAME})_(${NAME})\([0-9a-f]{8}-[0-9a-f-]{27}\)`, 'g'), pod: 1, ns: 2 },
  { re: new RegExp(String.raw`PodSandboxMetadata\{Name:(${NAME}),Uid:[^,]*,Namespace:(${NAME})`, 'g'), pod: 1, ns: 2 },
  { re: new RegExp(String.raw`K8S_POD_NAMESPACE=(${NAME});K8S_POD_NAME=(${NAME})`, 'g'), ns: 1, pod: 2 },
  { re: new RegExp(String.raw`\b[Nn]amespace="(${NAME})"\s+[Pp]od="(${NAME})"`, 'g'), ns: 1, pod: 2 },
];
/** `2026-11-20T08:14:03+0000 node-2 kubelet[1187]:` (journalctl short-iso and its cousins). */
const JOURNAL_HOST = /^(?:\S+|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) [A-Za-z0-9_.@/-]+(?:\[\d+\])?: /;

interface K8sObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string; ownerReferences?: { kind?: string; name?: string }[]; labels?: Record<string, string> };
  spec?: { nodeName?: string; hostname?: string; containers?: { name?: string }[]; initContainers?: { name?: string }[] };
  status?: { addresses?: { type?: string; address?: string }[] };
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  source?: { host?: string };
  items?: K8sObject[];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export class NameDiscovery {
  readonly names = emptyDiscovery();

  private pod(namespace: string | undefined, name: string | undefined): void {
    if (name) this.names.pods.add(name);
    if (namespace) this.names.namespaces.add(namespace);
  }

  manifest(manifest: Manifest): void {
    const { request } = manifest;
    for (const node of request.nodes) this.names.nodes.add(node);
    for (const ns of request.namespaces) this.names.namespaces.add(ns);
    for (const pod of request.pods) {
      const [ns, name] = pod.includes('/') ? pod.split('/', 2) : [undefined, pod];
      this.pod(ns, name);
    }
    if (request.context) this.names.contexts.add(request.context);
    for (const artifact of manifest.artifacts) {
      if (artifact.node) this.names.nodes.add(artifact.node);
      this.path(artifact.path);
    }
  }

  path(path: string): void {
    let m = /^nodes\/([^/]+)\//.exec(path);
    if (m) this.names.nodes.add(m[1]!);
    m = /^cluster\/(?:logs|describe|configmaps)\/([^/]+)\//.exec(path);
    if (m) this.names.namespaces.add(m[1]!);
    m = /^cluster\/([^/]+)\/(?:pods|daemonsets)\.json$/.exec(path);
    if (m) this.names.namespaces.add(m[1]!);
    m = /^cluster\/logs\/([^/]+)\/([^/]+)\//.exec(path);
    if (m) this.pod(m[1], m[2]);
    m = /^cluster\/describe\/([^/]+)\/([^/]+)\.txt$/.exec(path);
    if (m) this.pod(m[1], m[2]);
  }

  object(object: K8sObject): void {
    if (Array.isArray(object.items)) {
      for (const item of object.items) if (item && typeof item === 'object') this.object(item);
      return;
    }
    const meta = object.metadata ?? {};
    const kind = object.kind ?? '';
    const name = str(meta.name);
    const namespace = str(meta.namespace);
    if (namespace) this.names.namespaces.add(namespace);
    if (kind === 'Pod' || (kind === '' && object.spec?.containers)) {
      this.pod(namespace, name);
      const node = str(object.spec?.nodeName);
      if (node) this.names.nodes.add(node);
      const host = str(object.spec?.hostname);
      if (host) this.names.hosts.add(host);
      for (const owner of meta.ownerReferences ?? []) if (str(owner.name) && owner.kind !== 'Node') this.names.workloads.add(owner.name!);
      if (name && !isComponent(name)) {
        for (const c of [...(object.spec?.containers ?? []), ...(object.spec?.initContainers ?? [])]) if (str(c.name)) this.names.containers.add(c.name!);
      }
    } else if (kind === 'Node') {
      if (name) this.names.nodes.add(name);
      for (const a of object.status?.addresses ?? []) {
        if ((a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS') && str(a.address)) this.names.hosts.add(a.address!);
      }
      const label = str(meta.labels?.['kubernetes.io/hostname']);
      if (label) this.names.hosts.add(label);
    } else if (kind === 'Event') {
      const involved = object.involvedObject ?? {};
      if (involved.kind === 'Pod') this.pod(str(involved.namespace), str(involved.name));
      if (involved.kind === 'Node' && str(involved.name)) this.names.nodes.add(involved.name!);
      if (str(object.source?.host)) this.names.nodes.add(object.source!.host!);
    } else if (['DaemonSet', 'Deployment', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob'].includes(kind)) {
      if (name) this.names.workloads.add(name);
    }
  }

  /** crictl pods -o json: `{items: [{metadata: {name, namespace}}]}` without kinds. */
  criPods(data: unknown): void {
    const items = (data as { items?: { metadata?: { name?: unknown; namespace?: unknown } }[] } | null)?.items;
    for (const item of Array.isArray(items) ? items : []) this.pod(str(item.metadata?.namespace), str(item.metadata?.name));
  }

  /** libcni cache: `cniArgs: [["K8S_POD_NAMESPACE","default"],["K8S_POD_NAME","web-0"]]`. */
  cniCache(data: unknown): void {
    const args = (data as { cniArgs?: unknown } | null)?.cniArgs;
    if (!Array.isArray(args)) return;
    const get = (key: string) => str((args.find((a) => Array.isArray(a) && a[0] === key) as unknown[] | undefined)?.[1]);
    this.pod(get('K8S_POD_NAMESPACE'), get('K8S_POD_NAME'));
  }

  private table: { namespace?: number; name?: number; node?: number; starts: number[] } | null = null;

  /** `kubectl get pods -o wide` text: cut at the header's column starts. */
  podsWide(line: string): void {
    if (this.table === null) {
      const starts: number[] = [];
      const names: string[] = [];
      for (const m of line.matchAll(/\S+(?: \S+)*/g)) {
        starts.push(m.index);
        names.push(m[0]);
      }
      if (!names.includes('NAME')) return;
      const at = (n: string) => (names.indexOf(n) >= 0 ? names.indexOf(n) : undefined);
      this.table = { starts, ...(at('NAMESPACE') !== undefined ? { namespace: at('NAMESPACE') } : {}), name: at('NAME')!, ...(at('NODE') !== undefined ? { node: at('NODE') } : {}) };
      return;
    }
    const cell = (i: number | undefined) => (i === undefined ? undefined : line.slice(this.table!.starts[i], this.table!.starts[i + 1] ?? line.length).trim() || undefined);
    this.pod(cell(this.table.namespace), cell(this.table.name));
    const node = cell(this.table.node);
    if (node && node !== '<none>') this.names.nodes.add(node);
  }

  line(line: string, options: { journal: boolean; describe: boolean }): void {
    // klog's `pods=["ns/a","ns/b"]`
    for (const list of line.matchAll(/\bpods=\[([^\]]{1,100000})\]/g)) {
      for (const item of list[1]!.matchAll(new RegExp(String.raw`"(${NAME})/(${NAME})"`, 'g'))) this.pod(item[1], item[2]);
    }
    for (const { re, ns, pod } of LINE_PATTERNS) {
      re.lastIndex = 0;
      for (let m = re.exec(line); m; m = re.exec(line)) this.pod(ns ? m[ns] : undefined, pod ? m[pod] : undefined);
    }
    if (options.journal) {
      const host = JOURNAL_HOST.exec(line)?.[1];
      if (host && host !== 'localhost' && host !== '-') this.names.hosts.add(host);
    }
    if (options.describe) {
      const field = /^(Name|Namespace|Node):\s+(\S+)/.exec(line);
      if (field?.[1] === 'Namespace') this.names.namespaces.add(field[2]!);
      if (field?.[1] === 'Node' && field[2] !== '<none>') this.names.nodes.add(field[2]!.split('/')[0]!);
    }
  }
}

async function readAll(content: Readable, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of content) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      content.resume();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function eachLine(content: Readable, visit: (line: string) => void): Promise<void> {
  let rest = '';
  for await (const chunk of content) {
    const text = rest + (chunk as Buffer).toString('latin1');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    // A runaway line without newlines is looked at in slices, never held whole.
    if (rest.length > 1 << 20) {
      visit(rest);
      rest = '';
    }
    for (const line of lines) visit(line);
  }
  if (rest !== '') visit(rest);
}

/** One pass over the bundle: its manifest, integrity, and every name found. */
export async function discoverNames(location: string, options: ReadOptions = {}): Promise<{ result: BundleReadResult; names: DiscoveredNames }> {
  const discovery = new NameDiscovery();
  const result = await readBundle(
    location,
    {
      onManifest(manifest) {
        discovery.manifest(manifest);
      },
      async onFile(file, content) {
        discovery.path(file.path);
        const p = file.path;
        const json = /\.json$/.test(p) && (p.startsWith('cluster/') || /^nodes\/[^/]+\/cri\/pods\.json$/.test(p));
        const cache = /^nodes\/[^/]+\/cni\/results\//.test(p);
        if (json || cache) {
          const text = await readAll(content, MAX_JSON_BYTES);
          if (text === null) return;
          let data: unknown;
          try {
            data = JSON.parse(text);
          } catch {
            return;
          }
          if (cache) discovery.cniCache(data);
          else if (p.endsWith('/cri/pods.json')) discovery.criPods(data);
          else if (data && typeof data === 'object') discovery.object(data as K8sObject);
          return;
        }
        const journal = /^nodes\/[^/]+\/journal\//.test(p);
        const describe = p.startsWith('cluster/describe/');
        const wide = p === 'cluster/pods-wide.txt';
        if (journal || describe || wide || /\.(log|txt)$/.test(p)) {
          await eachLine(content, (line) => {
            if (wide) discovery.podsWide(line);
            discovery.line(line, { journal, describe });
          });
          return;
        }
        content.resume();
      },
    },
    options,
  );
  return { result, names: discovery.names };
}
