import { nodePaths } from '../../../shared/bundle/paths.js';
import type { NodeStep } from '../define.js';
import { BASENAME, defineSource, FLAT, NODE } from '../define.js';
import { journalArgv } from './journal-args.js';

/**
 * k3s and rke2 run their own containerd with CNI config, plugins and logs under /var/lib/rancher,
 * so the stock paths can be empty on a perfectly configured node.
 */
export default defineSource({
  id: 'distro-rancher',
  scope: 'node',
  output: 'k3s and rke2: CNI config and plugins under /var/lib/rancher, their containerd config and log, and the k3s/rke2 unit journals',
  run: (options) => {
    const steps: NodeStep[] = [];
    for (const distro of ['k3s', 'rke2'] as const) {
      const agent = `/var/lib/rancher/${distro}/agent`;
      steps.push(
        { kind: 'listing', dir: `${agent}/etc/cni/net.d`, to: nodePaths.distroNetDListing(NODE, distro) },
        { kind: 'files', globs: [`${agent}/etc/cni/net.d/*`], to: nodePaths.distroNetD(NODE, distro, BASENAME), maxBytes: 1024 * 1024 },
        {
          kind: 'files',
          globs: [`${agent}/etc/containerd/config.toml`, `${agent}/etc/containerd/config.toml.tmpl`, `${agent}/etc/crictl.yaml`],
          to: nodePaths.runtimeConfig(NODE, FLAT),
          maxBytes: 1024 * 1024,
        },
        {
          kind: 'files',
          globs: [`${agent}/containerd/containerd.log`],
          to: nodePaths.distroFile(NODE, distro, 'containerd.log'),
          keep: 'tail',
          maxBytes: options.maxBytes,
        },
      );
    }
    steps.push(
      // k3s unpacks its plugins (one multi-call `cni` binary plus links) into data/current/bin,
      // beside containerd and kubectl: nothing there is executed, the sha256 identifies the build.
      { kind: 'listing', dir: '/var/lib/rancher/k3s/data/current/bin', to: nodePaths.distroBinListing(NODE, 'k3s'), withSha256: true },
      // kubelet and containerd run inside these units, so their lines are in these journals.
      { kind: 'command', argv: journalArgv('k3s', options), to: nodePaths.journal(NODE, 'k3s'), keep: 'tail', maxBytes: options.maxBytes },
      { kind: 'command', argv: journalArgv('k3s-agent', options), to: nodePaths.journal(NODE, 'k3s-agent'), keep: 'tail', maxBytes: options.maxBytes },
      { kind: 'command', argv: journalArgv('rke2-server', options), to: nodePaths.journal(NODE, 'rke2-server'), keep: 'tail', maxBytes: options.maxBytes },
      { kind: 'command', argv: journalArgv('rke2-agent', options), to: nodePaths.journal(NODE, 'rke2-agent'), keep: 'tail', maxBytes: options.maxBytes },
    );
    return steps;
  },
});
