/**
 * Everything one pseudonymization run needs: the key, the table carried over from earlier
 * bundles of the cluster, the names found in this bundle, and the line mapper built from them.
 */
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import type { DiscoveredNames } from './discover.js';
import { AddressMapper } from './ip.js';
import { defaultMappingFile, loadOrCreateKey, type ObfuscationKey } from './key.js';
import { emptyMapping, readMapping, writeMapping, type MappingFile } from './mapping.js';
import { NameMapper } from './names.js';
import { TextMapper } from './text.js';

export interface ObfuscationSetup {
  key: ObfuscationKey;
  mappingFile: string;
  mapping: MappingFile;
}

/** Loads (or creates) the key and the mapping beside it; refuses a mapping made with another key. */
export async function prepareObfuscation(options: { keyFile: string; mappingFile?: string; createKey?: boolean }): Promise<ObfuscationSetup> {
  const key = await loadOrCreateKey(options.keyFile, options.createKey === false ? { create: false } : {});
  const mappingFile = options.mappingFile ?? defaultMappingFile(key.file);
  const mapping = (await readMapping(mappingFile)) ?? emptyMapping(key.keyId);
  if (mapping.keyId !== key.keyId) {
    throw new CniEvidenceError({
      code: ERROR_CODES.KEY_INVALID,
      message: `${mappingFile} belongs to another key (${mapping.keyId}) than ${options.keyFile} (${key.keyId})`,
      hint: 'Use the key file that made this mapping, or point --mapping at a new file for this key.',
      file: mappingFile,
    });
  }
  return { key, mappingFile, mapping };
}

export class Obfuscator {
  readonly addresses: AddressMapper;
  readonly names: NameMapper;
  readonly text: TextMapper;

  constructor(readonly setup: ObfuscationSetup) {
    this.addresses = new AddressMapper(setup.key.key);
    this.names = new NameMapper(setup.key.key, (label) => {
      const m = /^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(label);
      const mapped = m ? this.addresses.mapV4Text(m.slice(1, 5).join('.')) : null;
      return mapped ? `ip-${mapped.replace(/\./g, '-')}` : undefined;
    });
    this.names.load(setup.mapping.names);
    this.text = new TextMapper(this.addresses, (label) => this.names.label(label));
  }

  get keyId(): string {
    return this.setup.key.keyId;
  }

  /** Registers the names of one bundle, most specific kinds first so their pseudonyms win. */
  register(found: DiscoveredNames): void {
    const nodes = [...found.nodes].sort();
    for (const node of nodes) this.names.addName('node', node);
    for (const host of [...found.hosts].sort()) this.names.addName('host', host);
    for (const ns of [...found.namespaces].sort()) this.names.addNamespace(ns);
    for (const workload of [...found.workloads].sort()) this.names.addWorkload(workload);
    for (const pod of [...found.pods].sort()) this.names.addPod(pod, nodes);
    for (const container of [...found.containers].sort()) this.names.addLabel('container', container);
    for (const context of [...found.contexts].sort()) this.names.addOpaque('context', context);
  }

  line(text: string): string {
    return this.text.line(text);
  }

  /** A kubeconfig context, mapped whole (its pseudonym once registered, else the text mapping). */
  context(real: string): string {
    return this.names.label(real) ?? this.names.addOpaque('context', real);
  }

  /** Merges this run's names and addresses into the table and writes it beside the key. */
  async save(bundle: { output: string; createdAt: string }): Promise<MappingFile> {
    const previous = this.setup.mapping;
    const addresses = new Map(previous.addresses.map((a) => [a.real, a.pseudonym]));
    for (const [real, pseudonym] of this.text.addresses) addresses.set(real, pseudonym);
    const mapping: MappingFile = {
      ...previous,
      updatedAt: new Date().toISOString(),
      bundles: [...previous.bundles, { ...bundle, writtenAt: new Date().toISOString() }],
      names: this.names.entries().sort((a, b) => (a.kind === b.kind ? (a.real < b.real ? -1 : 1) : a.kind < b.kind ? -1 : 1)),
      addresses: [...addresses].map(([real, pseudonym]) => ({ real, pseudonym })).sort((a, b) => (a.real < b.real ? -1 : 1)),
    };
    await writeMapping(this.setup.mappingFile, mapping);
    return mapping;
  }
}
