import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../analyzer/rules/index.js';
import { renderRuleCatalogMarkdown } from '../../analyzer/rules/catalog.js';

/** The ids the issue promised; renaming one breaks users' pipelines. */
const PROMISED_IDS = [
  'cni-config-missing', 'cni-config-invalid', 'cni-config-conflict', 'cni-version-unsupported', 'cni-plugin-missing',
  'ipam-exhausted', 'ipam-leaked', 'podcidr-missing', 'podcidr-overlap', 'podcidr-mismatch', 'cni-cache-corrupt',
  'cni-agent-not-ready', 'cni-agent-unauthorized', 'cni-agent-unreachable', 'bpf-fs-not-mounted', 'flannel-subnet-env-missing',
  'iptables-lock-contention', 'iptables-backend-mismatch', 'mtu-mismatch', 'node-disk-pressure', 'sandbox-image-pull-failed',
  'runtime-oci-failure', 'node-not-ready', 'cni-config-stale', 'cni-apiserver-unreachable', 'runtime-cni-not-reloaded',
  'runtime-cni-path-mismatch', 'cni-plugin-timeout', 'kernel-incompatible',
];

describe('rule catalogue', () => {
  it('has every promised rule id exactly once', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...PROMISED_IDS].sort());
  });

  it('docs/rules.md is generated from the rules (npm run docs)', async () => {
    const onDisk = await readFile(new URL('../../docs/rules.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderRuleCatalogMarkdown(ALL_RULES));
  });
});
