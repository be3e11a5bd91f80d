import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST } from '../../../samples/recipes/kit.js';
import { failStuck, healFlannelOn, setNetD } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { ALL_VERSIONS, setBinListing } from './lib/config-and-runtime.js';

const flannelWith = (version: string | null) =>
  version === null ? FLANNEL_CONFLIST.replace('  "cniVersion": "0.3.1",\n', '') : FLANNEL_CONFLIST.replace('"cniVersion": "0.3.1"', `"cniVersion": "${version}"`);
const incompatible = (type: string, config: string, supported: readonly string[]) =>
  `plugin type="${type}" failed (add): incompatible CNI versions; config is "${config}", plugin supports [${supported.map((v) => `"${v}"`).join(' ')}]`;
const BIN = { bridge: ALL_VERSIONS, flannel: ALL_VERSIONS, 'host-local': ALL_VERSIONS, loopback: ALL_VERSIONS, portmap: ALL_VERSIONS };

const rows: Row[] = [
  {
    name: 'config 1.1.0, plugins that speak up to 1.0.0 (config newer than the plugins)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: flannelWith('1.1.0'), secondsBefore: 3_000 }]);
      setBinListing(n, BIN);
      failStuck(kit, incompatible('flannel', '1.1.0', ALL_VERSIONS));
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/bin.ls', excerpt: /^flannel: supportedVersions \[0\.1\.0, 0\.2\.0, 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0\]$/ },
      command: /sed -i .*"cniVersion": \*"1\\\.1\\\.0".*"cniVersion": "1\.0\.0".*\/etc\/cni\/net\.d\/10-flannel\.conflist/,
      message: [/says cniVersion "1\.1\.0"/, /the config is newer than the installed plugins/],
      first: { ruleId: 'cni-version-unsupported', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'config 0.3.1, a rebuilt portmap that only accepts 0.4.0 and 1.0.0 (plugin newer than the config)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setBinListing(n, { ...BIN, portmap: ['0.4.0', '1.0.0'] });
      failStuck(kit, incompatible('portmap', '0.3.1', ['0.4.0', '1.0.0']));
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d/10-flannel.conflist', excerpt: /"cniVersion": "0\.3\.1"/ },
      command: /"cniVersion": "1\.0\.0"/,
      message: [/portmap supports only \[0\.4\.0, 1\.0\.0\]/],
    },
  },
  {
    name: 'kubelet (dockershim) rejects a config without cniVersion',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: flannelWith(null), secondsBefore: 3_000 }]);
      setBinListing(n, { ...BIN, portmap: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
      n.kubelet.push(n.klog(400, 'W', 'cni.go:202', 'Error validating CNI config list {"name":"cbr0","plugins":[{"type":"flannel"},{"type":"portmap"}]}: [plugin portmap does not support config version ""]'));
      failStuck(kit, incompatible('portmap', '', ['0.3.0', '0.3.1', '0.4.0', '1.0.0']));
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d/10-flannel.conflist', excerpt: /no "cniVersion" \(read as 0\.1\.0\)/ },
      command: /node-2/,
      message: [/says cniVersion nothing \(read as 0\.1\.0\)/],
    },
  },
  {
    name: "the plugins' VERSION answers are not in the bundle: the runtime's word only",
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: flannelWith('1.1.0'), secondsBefore: 3_000 }]);
      setBinListing(n, { bridge: null, flannel: null, 'host-local': null, portmap: null });
      failStuck(kit, incompatible('flannel', '1.1.0', ALL_VERSIONS));
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/kubelet.log', excerpt: /incompatible CNI versions/ },
      command: /CNI_COMMAND=VERSION \/opt\/cni\/bin\/\$p/,
      confirm: /CNI_COMMAND=VERSION/,
    },
  },
  {
    name: 'state only: node-3 asks for 1.1.0 and no pod has landed there yet',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      setNetD(n, [{ name: '10-flannel.conflist', text: flannelWith('1.1.0'), secondsBefore: 3_000 }]);
      setBinListing(n, BIN);
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/cni/bin.ls', excerpt: /flannel: supportedVersions/ },
      command: /"cniVersion": "1\.0\.0"/,
    },
  },
  {
    name: 'look-alike: the plugin binary is missing, not too old',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      kit.node('node-2').binPlugins = kit.node('node-2').binPlugins.filter((p) => p !== 'flannel');
      failStuck(kit, 'plugin type="flannel" failed (add): failed to find plugin "flannel" in path [/opt/cni/bin]');
    },
    expected: null,
    firstRule: 'cni-plugin-missing',
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('cni-version-unsupported', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('cni-version-unsupported', row);
  });
});
