/**
 * Consistent pseudonyms for node names, hostnames, namespaces, workload and pod names. A name is
 * mapped label by label (`worker-1.acme.corp` → `n-4kx9ab.d-7qp2.corp`), so the same label reads
 * the same in a path, a JSON field, a journal line and a kubelet message. Pseudonyms are keyed
 * (HMAC-SHA256 of kind and name), so one key gives one mapping across bundles; they keep the
 * name's length where they can (kubectl's column-aligned tables stay aligned) and the shape of
 * generated names: `web-7r2rngql75-6w8j6` → `w-k3x9-7r2rngql75-6w8j6`, `etcd-node-1` →
 * `etcd-<node-1's pseudonym>`, `web-0` → `<web's pseudonym>-0`.
 */
import { createHmac } from 'node:crypto';
import { isComponent, isKeptNamespace, isProtectedLabel, KEPT_DOMAIN_LABELS, STATIC_POD_COMPONENTS } from './vocabulary.js';

export type NameKind = 'node' | 'host' | 'namespace' | 'workload' | 'pod' | 'container' | 'domain' | 'context';

const KIND_PREFIX: Record<NameKind, string> = { node: 'n', host: 'h', namespace: 'ns', workload: 'w', pod: 'p', container: 'c', domain: 'd', context: 'ctx' };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Kubernetes' own alphabet for generated suffixes (no vowels, no look-alikes). */
const GENERATED = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-(${GENERATED}{6,10})-(${GENERATED}{5})$`);
const GENERATED_POD = new RegExp(`^(.+)-(${GENERATED}{5})$`);
const ORDINAL_POD = /^(.+)-(\d+)$/;
export const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

export interface MappingEntry {
  kind: NameKind;
  real: string;
  pseudonym: string;
}

export class NameMapper {
  private readonly forward = new Map<string, MappingEntry>();
  private readonly backward = new Map<string, string>();

  /** `ipLabel` maps an AWS-style `ip-10-0-1-5` label through the address mapper. */
  constructor(
    private readonly key: Buffer,
    private readonly ipLabel: (label: string) => string | undefined = () => undefined,
  ) {}

  get size(): number {
    return this.forward.size;
  }

  /** The pseudonym of one label, if it has one. */
  label(real: string): string | undefined {
    return this.forward.get(real)?.pseudonym;
  }

  /** The real label behind a pseudonym, if it is one. */
  reverse(pseudonym: string): string | undefined {
    return this.backward.get(pseudonym);
  }

  /** Every label that can appear in text (workload bases kept as common words never do). */
  entries(): MappingEntry[] {
    return [...this.forward.values()].filter((e) => !e.real.startsWith('\0'));
  }

  /** Maps a dotted name label by label; labels without a pseudonym stay. */
  name(real: string): string {
    return real
      .split('.')
      .map((l) => this.label(l) ?? this.ipLabel(l) ?? l)
      .join('.');
  }

  private chars(kind: NameKind, real: string, count: number): string {
    let out = '';
    for (let round = 0; out.length < count; round++) {
      const digest = createHmac('sha256', this.key).update(`${kind}\0${real}\0${round}`).digest();
      for (const byte of digest) {
        if (out.length === count) break;
        out += ALPHABET[byte % ALPHABET.length];
      }
    }
    return out;
  }

  private taken(candidate: string, real: string): boolean {
    const owner = this.backward.get(candidate);
    if (owner !== undefined) return owner !== real;
    return (this.forward.has(candidate) && candidate !== real) || isProtectedLabel(candidate) || !LABEL.test(candidate);
  }

  /** A fresh pseudonym of the real label's length when it fits, longer only to stay unique. */
  private invent(kind: NameKind, real: string): string {
    const prefix = `${KIND_PREFIX[kind]}-`;
    const length = Math.max(real.length, 5);
    for (let extra = 0; ; extra++) {
      const candidate =
        length + extra >= prefix.length + 4
          ? `${prefix}${this.chars(kind, real, length + extra - prefix.length)}`
          : `${KIND_PREFIX[kind][0]}${this.chars(kind, real, length + extra - 1)}`;
      if (!this.taken(candidate, real)) return candidate;
    }
  }

  private set(kind: NameKind, real: string, pseudonym: string): string {
    const existing = this.forward.get(real);
    if (existing) return existing.pseudonym;
    let chosen = pseudonym;
    // A derived pseudonym (pod = workload pseudonym + suffix) can collide in theory; then it is invented.
    if (this.taken(chosen, real)) chosen = this.invent(kind, real);
    this.forward.set(real, { kind, real, pseudonym: chosen });
    this.backward.set(chosen, real);
    return chosen;
  }

  /** Registers one label. Protected labels (public software, common words) keep their text. */
  addLabel(kind: NameKind, real: string): string | undefined {
    if (!LABEL.test(real)) return undefined;
    const known = this.forward.get(real);
    if (known) return known.pseudonym;
    if (isProtectedLabel(real)) return undefined;
    // An AWS-style `ip-10-0-1-5` host label is mapped by the address mapper, in every context.
    if (/^ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}$/.test(real)) return undefined;
    return this.set(kind, real, this.invent(kind, real));
  }

  /** Registers a dotted name: the first label as `kind`, the rest as domain labels. */
  addName(kind: NameKind, real: string): string {
    const [first, ...rest] = real.split('.');
    if (first !== undefined) this.addLabel(kind, first);
    for (const label of rest) if (!KEPT_DOMAIN_LABELS.has(label.toLowerCase())) this.addLabel('domain', label);
    return this.name(real);
  }

  addNamespace(name: string): void {
    if (!isKeptNamespace(name)) this.addLabel('namespace', name);
  }

  /** The pseudonym a workload base name gets, registered as a label only when it is not a common word. */
  private workload(base: string): string {
    return this.addLabel('workload', base) ?? this.set('workload', `\0${base}`, this.invent('workload', base));
  }

  /**
   * Registers a pod name keeping its generated parts. `nodes` are the real node names, for
   * static pods (`kube-apiserver-node-1`).
   */
  addPod(name: string, nodes: readonly string[] = []): string {
    for (const component of STATIC_POD_COMPONENTS) {
      if (!name.startsWith(`${component}-`)) continue;
      const node = name.slice(component.length + 1);
      if (!nodes.includes(node)) continue;
      // A dotted node name makes a dotted pod name: its first label carries the component.
      const [first, ...domain] = name.split('.');
      const [nodeFirst] = node.split('.');
      this.set('pod', first!, `${component}-${this.name(nodeFirst!)}`);
      for (const label of domain) if (!KEPT_DOMAIN_LABELS.has(label.toLowerCase())) this.addLabel('domain', label);
      return this.name(name);
    }
    if (!LABEL.test(name)) return this.addName('pod', name);
    const known = this.forward.get(name);
    if (known) return known.pseudonym;
    const deployment = DEPLOYMENT_POD.exec(name);
    const generated = deployment ? null : GENERATED_POD.exec(name);
    const ordinal = deployment || generated ? null : ORDINAL_POD.exec(name);
    const base = deployment?.[1] ?? generated?.[1] ?? ordinal?.[1] ?? name;
    if (isComponent(base)) return name;
    const pseudo = this.workload(base);
    if (deployment) {
      // The ReplicaSet (`web-7r2rngql75`) appears in ownerReferences and events.
      this.set('workload', `${base}-${deployment[2]}`, `${pseudo}-${deployment[2]}`);
      return this.set('pod', name, `${pseudo}-${deployment[2]}-${deployment[3]}`);
    }
    if (generated) return this.set('pod', name, `${pseudo}-${generated[2]}`);
    if (ordinal) return this.set('pod', name, `${pseudo}-${ordinal[2]}`);
    return pseudo;
  }

  /** Registers a workload (Deployment, DaemonSet, StatefulSet, Job, ReplicaSet) name. */
  addWorkload(name: string): void {
    if (!LABEL.test(name)) return;
    const rs = new RegExp(`^(.+)-(${GENERATED}{6,10})$`).exec(name);
    const base = rs?.[1] ?? name;
    if (isComponent(base)) return;
    const pseudo = this.workload(base);
    if (rs) this.set('workload', name, `${pseudo}-${rs[2]}`);
  }

  /**
   * A whole string that is not a DNS name (a kubeconfig context such as
   * `arn:aws:eks:us-west-2:123456789012:cluster/prod`, which names the account and the cluster).
   */
  addOpaque(kind: NameKind, real: string): string {
    if (LABEL.test(real)) return this.addLabel(kind, real) ?? real;
    return this.set(kind, real, this.invent(kind, real));
  }

  /** Loads a saved table (same key) so a second bundle of the cluster reuses the first one's pseudonyms. */
  load(entries: readonly MappingEntry[]): void {
    for (const e of entries) {
      if (this.forward.has(e.real) || this.backward.has(e.pseudonym)) continue;
      this.forward.set(e.real, { ...e });
      this.backward.set(e.pseudonym, e.real);
    }
  }
}
