import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST, type SampleKit } from '../../../samples/recipes/kit.js';
import { failStuck, healFlannelOn, setNetD } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { markTerminating } from './lib/config-and-runtime.js';

const FILE = 'nodes/node-2/cni/net.d/10-flannel.conflist';

/** node-2's 10-flannel.conflist replaced by `text`, with containerd's own load error and the stuck pod failing. */
function broken(kit: SampleKit, text: string, loadError?: string): void {
  healFlannelOn(kit, 'node-2');
  const n = kit.node('node-2');
  setNetD(n, [{ name: '10-flannel.conflist', text, secondsBefore: 2_000 }]);
  if (loadError) {
    n.containerd.unshift(n.containerdLine(1_990, 'error', 'failed to reload cni configuration after receiving fs change event(WRITE         "/etc/cni/net.d/10-flannel.conflist")', `cni config load failed: failed to load CNI config list file /etc/cni/net.d/10-flannel.conflist: ${loadError}: invalid cni config: failed to load cni config`));
  }
  failStuck(kit, 'cni plugin not initialized');
}

const rows: Row[] = [
  {
    name: 'truncated conflist: cites the line where the JSON ends',
    build: (kit) => broken(kit, FLANNEL_CONFLIST.slice(0, 120), 'error parsing configuration list: unexpected end of JSON input'),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: FILE, line: 8, excerpt: /line 8, column \d+: .*\(the file ends here\)/ },
      command: /cat -A \/etc\/cni\/net\.d\/10-flannel\.conflist/,
      message: [/the file is truncated/, /containerd stops at the first file it cannot load/],
      first: { ruleId: 'cni-config-invalid', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'UTF-8 byte order mark',
    build: (kit) => broken(kit, `\uFEFF${FLANNEL_CONFLIST}`, "error parsing configuration list: invalid character 'ï' looking for beginning of value"),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: FILE, line: 1, excerpt: /byte order mark/ },
      command: /sed -i .*1s\/\^\\xEF\\xBB\\xBF\/\/.* \/etc\/cni\/net\.d\/10-flannel\.conflist/,
      message: [/byte order mark \(EF BB BF\)/],
    },
  },
  {
    name: 'text after the closing brace (two configs pasted together), with CRLF endings',
    build: (kit) => broken(kit, `${FLANNEL_CONFLIST}}\n`.replace(/\n/g, '\r\n'), "error parsing configuration list: invalid character '}' after top-level value"),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: FILE, line: 20, excerpt: /line 20, column 1/ },
      command: /sed -i .*s\/\\r\$\/\/.* \/etc\/cni\/net\.d\/10-flannel\.conflist/,
      message: [/text after the closing brace at line 20/, /CRLF line endings/],
    },
  },
  {
    name: 'empty file (0 bytes)',
    build: (kit) => broken(kit, '', 'error parsing configuration list: unexpected end of JSON input'),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d.ls', excerpt: /-rw-r--r-- 0 .*10-flannel\.conflist/ },
      command: /kubectl -n kube-flannel delete pod kube-flannel-ds-/,
      message: [/empty \(0 bytes\)/],
    },
  },
  {
    name: 'a chained plugin without "type"',
    build: (kit) => broken(kit, FLANNEL_CONFLIST.replace('"type": "portmap",', '"typ": "portmap",')),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: FILE, excerpt: /plugin 1 has no "type"/ },
      command: /cat -A/,
      message: [/missing 'type'/],
    },
  },
  {
    name: 'unreadable to the runtime (mode 000, containerd says permission denied)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 2_000, mode: '----------' }]);
      n.files.set('cni/net.d/10-flannel.conflist', { text: '', source: { kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' }, status: 'failed', error: 'cannot read /etc/cni/net.d/10-flannel.conflist: Permission denied', fileMode: '----------' });
      n.containerd.unshift(n.containerdLine(1_990, 'error', 'failed to load cni during init, please check CRI plugin status before setting up network for pods', 'cni config load failed: failed to load CNI config list file /etc/cni/net.d/10-flannel.conflist: error reading /etc/cni/net.d/10-flannel.conflist: open /etc/cni/net.d/10-flannel.conflist: permission denied: invalid cni config: failed to load cni config'));
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: FILE, line: 0, excerpt: /cannot read \/etc\/cni\/net\.d\/10-flannel\.conflist: Permission denied/ },
      command: /chmod 644 \/etc\/cni\/net\.d\/10-flannel\.conflist/,
    },
  },
  {
    name: 'a broken file that sorts after the valid one does no harm today (info only)',
    build: (kit) => {
      kit.heal();
      setNetD(kit.node('node-3'), [
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 9_000 },
        { name: '99-test.conflist', text: '{"cniVersion": "0.3.1", "name": "test", "plugins": [', secondsBefore: 8_000 },
      ]);
    },
    expected: null,
  },
  {
    name: "the runtime's word only: net.d could not be listed or read",
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      n.netD = new Map();
      n.missing('cni/net.d.ls', { kind: 'file', path: '/etc/cni/net.d' }, 'forbidden', 'cannot list /etc/cni/net.d: Permission denied');
      n.containerd.unshift(n.containerdLine(1_990, 'error', 'failed to load cni during init, please check CRI plugin status before setting up network for pods', 'cni config load failed: failed to load CNI config list file /etc/cni/net.d/10-flannel.conflist: error parsing configuration list: unexpected end of JSON input: invalid cni config: failed to load cni config'));
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/containerd.log', excerpt: /failed to load CNI config list file \/etc\/cni\/net\.d\/10-flannel\.conflist/ },
      command: /cat -A \/etc\/cni\/net\.d\/10-flannel\.conflist/,
      confirm: /nodes\/node-2\/cni\/net\.d\.ls \(forbidden/,
    },
  },
  {
    name: 'look-alike: "unexpected end of JSON input" from an empty result cache on DEL',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const ids = failStuck(kit, 'failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input', { op: 'delete' });
      const n = kit.node('node-2');
      n.set(`cni/results/cbr0-${ids[0]}-eth0`, '', { kind: 'file', path: `/var/lib/cni/results/cbr0-${ids[0]}-eth0` }, { fileMode: '-rw-------' });
      markTerminating(kit);
    },
    expected: null,
    firstRule: 'cni-cache-corrupt',
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('cni-config-invalid', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('cni-config-invalid', row);
  });
});
