import { describe, expect, it } from 'vitest';
import {
  awsVpcCniLogParser, calicoLogParser, cniCacheParser, cniConfigParser, flannelLogParser, hostLocalParser, ipAddrParser, iptablesSaveParser,
  k8sJsonParser, kubectlDescribePodParser, lineParsers, lsListingParser, parserForPath, parsersForBundle, runLineParser, textParsers,
} from '../../../analyzer/parsers/index.js';
import { clusterPaths, nodePaths } from '../../../shared/bundle/paths.js';

describe('parser registry', () => {
  it('every parser has a unique id', () => {
    const ids = [...Object.values(textParsers), ...Object.values(lineParsers)].map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(23);
  });

  it.each([
    [clusterPaths.pods, 'text', k8sJsonParser.id],
    [clusterPaths.namespaceDaemonSets('kube-system'), 'text', k8sJsonParser.id],
    [clusterPaths.describe('default', 'web-0'), 'text', kubectlDescribePodParser.id],
    [clusterPaths.containerLog('kube-system', 'calico-node-abc', 'calico-node'), 'line', calicoLogParser.id],
    [clusterPaths.containerLog('kube-system', 'canal-abc', 'kube-flannel'), 'line', flannelLogParser.id],
    [clusterPaths.containerLog('kube-system', 'aws-node-abc', 'aws-node', true), 'line', awsVpcCniLogParser.id],
    [nodePaths.journal('node-1', 'kubelet'), 'line', 'journal'],
    [nodePaths.varLog('node-1', 'aws-routed-eni/ipamd.log'), 'line', awsVpcCniLogParser.id],
    [nodePaths.netD('node-1', '10-flannel.conflist'), 'text', cniConfigParser.id],
    [nodePaths.binListing('node-1'), 'text', lsListingParser.id],
    [nodePaths.result('node-1', 'cbr0-abc-eth0'), 'text', cniCacheParser.id],
    [nodePaths.network('node-1', 'cbr0', '10.244.1.2'), 'text', hostLocalParser.id],
    [nodePaths.ipAddr('node-1'), 'text', ipAddrParser.id],
    [nodePaths.iptablesLegacySave('node-1'), 'text', iptablesSaveParser.id],
    [nodePaths.flannelSubnetEnv('node-1'), 'text', 'subnet-env'],
    [nodePaths.df('node-1'), 'text', 'df'],
    [nodePaths.mounts('node-1'), 'text', 'mounts'],
  ])('%s → %s parser %s', (path, type, id) => {
    const choice = parserForPath(path);
    expect(choice?.type).toBe(type);
    expect(choice?.parser.id).toBe(id);
  });

  it.each([[nodePaths.dmesg('node-1')], ['manifest.json'], [clusterPaths.containerLog('default', 'web-0', 'nginx')]])('no parser for %s', (path) => {
    expect(parserForPath(path)).toBeUndefined();
  });

  it('bundle-bound parsers resolve year-less times against the bundle time', () => {
    const bound = parsersForBundle({ referenceTime: '2026-11-26T00:00:00Z' });
    const choice = parserForPath(nodePaths.journal('node-1', 'kubelet'), bound);
    expect(choice?.type).toBe('line');
    const out = runLineParser(
      bound.line.journal,
      'Nov 22 09:33:21 node-1 kubelet[901]: E1122 09:33:21.000001     901 cni.go:330] Error deleting network: context deadline exceeded\n',
      'k.log',
    );
    expect(out.records[0]).toMatchObject({ line: 1, timestamp: '2026-11-22T09:33:21.000Z' });
  });

  it('runLineParser splits problems from records', () => {
    const out = runLineParser(lineParsers.journal, 'garbage\n-- No entries --\n', 'j.log');
    expect(out).toEqual({
      records: [{ kind: 'journal-marker', file: 'j.log', line: 2, marker: 'no-entries', text: '-- No entries --' }],
      problems: [{ file: 'j.log', line: 1, message: 'not a journalctl line (no timestamp/host/identifier prefix)', excerpt: 'garbage' }],
    });
  });
});
