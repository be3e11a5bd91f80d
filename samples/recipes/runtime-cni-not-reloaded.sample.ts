import { defineSample, FLANNEL_CONFLIST } from './kit.js';
import { setAgentStarted, flannelPodOn } from './lib/agents.js';
import { failStuck, healFlannelOn, setCriInfo, setNetD, setNetworkNotReady } from './lib/config-and-runtime.js';

/**
 * containerd#11209-style: to clear out an old config, someone ran `rm -rf /etc/cni/net.d` on
 * node-2 and restarted the flannel pod there. Flannel's install-cni recreated the dir and a valid
 * 10-flannel.conflist half a minute later, but containerd's watch died with the old dir: it still
 * reports "no network config found", lists only cni-loopback, and every new sandbox fails with
 * "cni plugin not initialized". A containerd restart would load the file.
 */
export default defineSample({
  name: 'runtime-cni-not-reloaded',
  description: '/etc/cni/net.d on node-2 was deleted and recreated with a valid 10-flannel.conflist, but containerd never reloaded it: lastCNILoadStatus still says no network config found',
  expect: { ruleId: 'runtime-cni-not-reloaded', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    healFlannelOn(kit, 'node-2');
    setAgentStarted(flannelPodOn(kit, 'node-2'), 'kube-flannel', 1_862, 1_855);
    const node2 = kit.node('node-2');
    // The dir itself is new (recreated), and so is the file flannel's install-cni copied into it.
    setNetD(node2, [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 1_864 }], 1_866);
    setCriInfo(node2, {
      networkReady: false,
      lastCNILoadStatus: 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config',
      networks: [],
    });
    setNetworkNotReady(kit, 'node-2', 1_895);
    failStuck(kit, 'cni plugin not initialized');
    const error = 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config';
    node2.set(
      'journal/containerd.log',
      [
        node2.containerdLine(517_990, 'info', 'starting containerd'),
        node2.containerdLine(517_989, 'info', 'Start cri plugin with config {PluginConfig:{ContainerdConfig:{Snapshotter:overlayfs DefaultRuntimeName:runc} CniConfig:{NetworkPluginBinDir:/opt/cni/bin NetworkPluginConfDir:/etc/cni/net.d NetworkPluginMaxConfNum:1}}}'),
        node2.containerdLine(1_895, 'error', 'failed to reload cni configuration after receiving fs change event(REMOVE        "/etc/cni/net.d/10-flannel.conflist")', error),
        ...node2.containerd,
      ].join('\n') + '\n',
      { kind: 'command', argv: ['journalctl', '-u', 'containerd', '-b', '--no-pager', '-o', 'short-iso', '-n', '5000'] },
      { exitCode: 0 },
    );
  },
});
