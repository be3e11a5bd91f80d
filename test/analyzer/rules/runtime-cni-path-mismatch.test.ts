import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST, type NodeKit } from '../../../samples/recipes/kit.js';
import pathMismatchSample from '../../../samples/recipes/runtime-cni-path-mismatch.sample.js';
import { failStuck, healFlannelOn, setCriInfo } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';

function containerdDirs(node: NodeKit, binDir: string, confDir: string): void {
  node.set(
    'runtime/containerd-config-dump.toml',
    `version = 2\nroot = "/var/lib/containerd"\nstate = "/run/containerd"\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.10"\n    [plugins."io.containerd.grpc.v1.cri".cni]\n      bin_dir = "${binDir}"\n      conf_dir = "${confDir}"\n      max_conf_num = 1\n      conf_template = ""\n`,
    { kind: 'command', argv: ['containerd', 'config', 'dump'] },
    { exitCode: 0 },
  );
}

const rows: Row[] = [
  {
    name: "k3s's containerd reads /var/lib/rancher while Calico installed into /etc/cni/net.d and /opt/cni/bin",
    build: (kit) => pathMismatchSample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/runtime/var_lib_rancher_k3s_agent_etc_containerd_config.toml', line: 20, excerpt: /conf_dir = "\/var\/lib\/rancher\/k3s\/agent\/etc\/cni\/net\.d"/ },
      command: /cp \/etc\/cni\/net\.d\/10-calico\.conflist \/var\/lib\/rancher\/k3s\/agent\/etc\/cni\/net\.d\//,
      message: [/reads CNI configs from \/var\/lib\/rancher\/k3s\/agent\/etc\/cni\/net\.d/, /calico, calico-ipam are only in \/opt\/cni\/bin/],
      first: { ruleId: 'runtime-cni-path-mismatch', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'GKE-style bin dir: the runtime searches /home/kubernetes/bin, the plugin sits in /opt/cni/bin',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      containerdDirs(n, '/home/kubernetes/bin', '/etc/cni/net.d');
      setCriInfo(n, { binDir: '/home/kubernetes/bin' });
      failStuck(kit, 'plugin type="flannel" failed (add): failed to find plugin "flannel" in path [/home/kubernetes/bin]');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/bin.ls', excerpt: /^\/opt\/cni\/bin\/flannel -rwxr-xr-x/ },
      command: /ls -la \/home\/kubernetes\/bin \/opt\/cni\/bin/,
      message: [/looks for plugins in \/home\/kubernetes\/bin, but flannel is only in \/opt\/cni\/bin/],
    },
  },
  {
    name: "config only: containerd's conf_dir points at a dir nobody installs into, no pod has failed yet",
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      containerdDirs(n, '/opt/cni/bin', '/etc/containerd/cni/net.d');
      setCriInfo(n, { confDir: '/etc/containerd/cni/net.d', networkReady: false, lastCNILoadStatus: 'cni config load failed: no network config found in /etc/containerd/cni/net.d: cni plugin not initialized: failed to load cni config', networks: [] });
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/cri/info.json', excerpt: /"(PluginConfDir|confDir)": "\/etc\/containerd\/cni\/net\.d"/ },
      command: /grep -n conf_dir \/etc\/containerd\/config\.toml/,
      confirm: /crictl info on node-3/,
    },
  },
  {
    name: 'look-alike: the plugin is missing everywhere (not a path problem)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      n.binPlugins = n.binPlugins.filter((p) => p !== 'flannel');
      failStuck(kit, 'plugin type="flannel" failed (add): failed to find plugin "flannel" in path [/opt/cni/bin]');
    },
    expected: null,
    firstRule: 'cni-plugin-missing',
  },
  {
    name: 'look-alike: a healthy k3s node whose config and plugins are where k3s looks',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      const dir = '/var/lib/rancher/k3s/agent/etc/cni/net.d';
      n.netD = new Map();
      n.set('distro/k3s/cni/net.d/10-flannel.conflist', FLANNEL_CONFLIST, { kind: 'file', path: `${dir}/10-flannel.conflist` });
      n.set('distro/k3s/cni/net.d.ls', `# cni-evidence listing v1: ${dir}\n`, { kind: 'file', path: dir });
      containerdDirs(n, '/var/lib/rancher/k3s/data/current/bin', dir);
      setCriInfo(n, { confDir: dir, binDir: '/var/lib/rancher/k3s/data/current/bin' });
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('runtime-cni-path-mismatch', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('runtime-cni-path-mismatch', row);
  });
});
