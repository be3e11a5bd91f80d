/**
 * Lab scenarios: each one drives real containerd + runc + the Debian CNI plugins on a lab node
 * into one real failure, so the node collector captures real evidence. What a scenario changes
 * by hand (a config written, a cache file emptied, a crash) is what the failure's cause is in the
 * field; everything the software then says or leaves behind is its own.
 */
import { readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabContainerd, type LabPod } from './containerd.js';
import type { KubeletLog } from './klog.js';
import type { LabNode } from './node.js';
import { LabError } from './proc.js';

export interface ScenarioContext {
  node: LabNode;
  kubelet: KubeletLog;
  /** Starts (another) containerd on the node; every instance's log goes to the journal. */
  startContainerd(): Promise<LabContainerd>;
  /** Records a message the real software produced (CRI error, plugin output) for the run's report. */
  observe(message: string): void;
}

export interface LabScenario {
  name: string;
  title: string;
  /** The field failure it reproduces and where its evidence lands in the bundle. */
  reproduces: string;
  run(context: ScenarioContext): Promise<void>;
}

const bridgeConflist = (options: { name?: string; version?: string; bridge?: string; subnet: string; rangeStart?: string; rangeEnd?: string; routes?: string; mtu?: number }) =>
  `${JSON.stringify(
    {
      cniVersion: options.version ?? '1.0.0',
      name: options.name ?? 'containerd-net',
      plugins: [
        {
          type: 'bridge',
          bridge: options.bridge ?? 'cni0',
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ...(options.mtu ? { mtu: options.mtu } : {}),
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: options.subnet, ...(options.rangeStart ? { rangeStart: options.rangeStart, rangeEnd: options.rangeEnd } : {}) }]],
            routes: [{ dst: options.routes ?? '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;

/** kube-flannel's own conflist (the file its install-cni container writes). */
const FLANNEL_CONFLIST = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`;

const subnetEnv = (subnet: string) => `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=${subnet}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`;

async function expectFailure(runtime: LabContainerd, pod: LabPod, context: ScenarioContext, mustContain: string): Promise<string> {
  const error = await runtime.runPod(pod);
  if (!error) throw new LabError(`RunPodSandbox ${pod.name} unexpectedly succeeded`);
  if (!error.details.includes(mustContain)) throw new LabError(`RunPodSandbox ${pod.name} failed differently: ${error.details}`);
  context.observe(`RunPodSandbox ${pod.name}: ${error.rpcText}`);
  return error.details;
}

async function expectSuccess(runtime: LabContainerd, pod: LabPod, context: ScenarioContext): Promise<string> {
  const error = await runtime.runPod(pod);
  if (error) throw new LabError(`RunPodSandbox ${pod.name} failed: ${error.details}`);
  context.observe(`RunPodSandbox ${pod.name}: ready, sandbox ${pod.id}`);
  return pod.id!;
}

/** The sandbox containerd kept for a pod whose RunPodSandbox failed (kubelet would stop it next). */
async function sandboxOf(runtime: LabContainerd, pod: LabPod): Promise<string> {
  const found = (await runtime.cri.listPodSandbox()).find((s) => s.name === pod.name && s.namespace === pod.namespace);
  if (!found) throw new LabError(`containerd kept no sandbox for ${pod.name}`);
  return found.id;
}

export const labScenarios: readonly LabScenario[] = [
  {
    name: 'ipam-exhausted',
    title: 'host-local range exhausted',
    reproduces:
      'A one-address host-local range (10.245.0.10): web-0 gets it, web-1 fails with "failed to allocate for range 0: no IP addresses available in range set: 10.245.0.10-10.245.0.10" (containerd journal, kubelet lines); cni/networks/containerd-net/10.245.0.10 holds web-0\'s sandbox id.',
    async run(context) {
      await writeFile(join(context.node.root, 'etc/cni/net.d/10-containerd-net.conflist'), bridgeConflist({ subnet: '10.245.0.0/24', rangeStart: '10.245.0.10', rangeEnd: '10.245.0.10' }));
      const runtime = await context.startContainerd();
      await runtime.waitNetworkReady(true);
      await expectSuccess(runtime, runtime.pod('web-0'), context);
      await expectFailure(runtime, runtime.pod('web-1'), context, 'no IP addresses available in range set: 10.245.0.10-10.245.0.10');
    },
  },
  {
    name: 'missing-plugin',
    title: 'CNI plugin binary missing (flannel)',
    reproduces:
      'kube-flannel\'s 10-flannel.conflist with no flannel binary in /opt/cni/bin: RunPodSandbox fails with "plugin type=\\"flannel\\" failed (add): failed to find plugin \\"flannel\\" in path [/opt/cni/bin]" and StopPodSandbox of the kept sandbox with the same text for (delete); cni/bin.ls lists no flannel.',
    async run(context) {
      await writeFile(join(context.node.root, 'run/flannel/subnet.env'), subnetEnv('10.244.1.1/24'));
      await writeFile(join(context.node.root, 'etc/cni/net.d/10-flannel.conflist'), FLANNEL_CONFLIST);
      const runtime = await context.startContainerd();
      await runtime.waitNetworkReady(true);
      const pod = runtime.pod('web-0');
      await expectFailure(runtime, pod, context, 'failed to find plugin "flannel" in path [/opt/cni/bin]');
      const id = await sandboxOf(runtime, pod);
      const stop = await runtime.stopPod(pod, id);
      if (!stop) throw new LabError('StopPodSandbox unexpectedly succeeded');
      context.observe(`StopPodSandbox ${pod.name}: ${stop.rpcText}`);
    },
  },
  {
    name: 'invalid-conflist',
    title: 'truncated CNI config',
    reproduces:
      'A truncated 10-flannel.conflist: containerd logs "failed to load cni during init ... error parsing configuration list: unexpected end of JSON input", NetworkReady stays false ("cni plugin not initialized") and RunPodSandbox fails with it; the file is captured verbatim in cni/net.d.',
    async run(context) {
      await writeFile(join(context.node.root, 'etc/cni/net.d/10-flannel.conflist'), FLANNEL_CONFLIST.slice(0, 120));
      const runtime = await context.startContainerd();
      const condition = await runtime.networkCondition();
      if (condition?.status !== false) throw new LabError('NetworkReady is not false with a truncated config');
      context.observe(`Status NetworkReady=false ${condition.reason}: ${condition.message}`);
      await expectFailure(runtime, runtime.pod('web-0'), context, 'cni plugin not initialized');
    },
  },
  {
    name: 'no-cni-config',
    title: 'empty /etc/cni/net.d',
    reproduces:
      'No CNI config at all: NetworkReady false with "cni plugin not initialized", containerd logs "no network config found in /etc/cni/net.d", RunPodSandbox fails; cni/net.d.ls shows the empty folder.',
    async run(context) {
      const runtime = await context.startContainerd();
      const condition = await runtime.networkCondition();
      context.observe(`Status NetworkReady=${condition?.status} ${condition?.reason}: ${condition?.message}`);
      await expectFailure(runtime, runtime.pod('web-0'), context, 'cni plugin not initialized');
    },
  },
  {
    name: 'unsupported-cniversion',
    title: 'cniVersion newer than the plugins support',
    reproduces:
      'A conflist with cniVersion 1.1.0 against plugins 1.1.1: RunPodSandbox fails with "incompatible CNI versions; config is \\"1.1.0\\", plugin supports [...]"; cni/bin-versions.txt holds each plugin\'s supportedVersions.',
    async run(context) {
      await writeFile(join(context.node.root, 'etc/cni/net.d/10-containerd-net.conflist'), bridgeConflist({ version: '1.1.0', subnet: '10.88.0.0/16' }));
      const runtime = await context.startContainerd();
      await runtime.waitNetworkReady(true);
      await expectFailure(runtime, runtime.pod('web-0'), context, 'incompatible CNI versions');
    },
  },
  {
    name: 'cni0-conflict',
    title: 'cni0 keeps an address from an old flannel subnet',
    reproduces:
      'flannel\'s lease moves from 10.244.1.1/24 to 10.244.7.1/24 (subnet.env and the delegate bridge config change) while cni0 keeps 10.244.1.1/24: RunPodSandbox fails with "failed to set bridge addr: \\"cni0\\" already has an IP address different from 10.244.7.1/24"; net/ip-addr.txt shows cni0 with 10.244.1.1/24 against flannel/subnet.env.',
    async run(context) {
      const root = context.node.root;
      const conf = (subnet: string) => bridgeConflist({ name: 'cbr0', version: '0.3.1', subnet, routes: '10.244.0.0/16', mtu: 1450 });
      await writeFile(join(root, 'run/flannel/subnet.env'), subnetEnv('10.244.1.1/24'));
      await writeFile(join(root, 'etc/cni/net.d/10-cbr0.conflist'), conf('10.244.1.0/24'));
      const runtime = await context.startContainerd();
      await runtime.waitNetworkReady(true);
      await expectSuccess(runtime, runtime.pod('web-0'), context);
      // flanneld restarts with a new lease and rewrites both files in place.
      await writeFile(join(root, 'run/flannel/subnet.env'), subnetEnv('10.244.7.1/24'));
      await runtime.writeCniConfig('10-cbr0.conflist', conf('10.244.7.0/24'));
      await runtime.waitConfigLoaded('10.244.7.0/24');
      await expectFailure(runtime, runtime.pod('web-1'), context, '"cni0" already has an IP address different from 10.244.7.1/24');
    },
  },
  {
    name: 'leaked-reservations',
    title: 'host-local reservations leaked across a node crash',
    reproduces:
      'Two pods take both addresses of 10.245.0.10-10.245.0.11, the node crashes (every process killed, /run wiped, cni0 and NAT gone) and containerd restarts: the reservations stay in /var/lib/cni/networks with the dead sandboxes\' ids while /run/netns is empty, and the next RunPodSandbox fails with "no IP addresses available in range set: 10.245.0.10-10.245.0.11".',
    async run(context) {
      const { node } = context;
      await writeFile(join(node.root, 'etc/cni/net.d/10-containerd-net.conflist'), bridgeConflist({ subnet: '10.245.0.0/24', rangeStart: '10.245.0.10', rangeEnd: '10.245.0.11' }));
      const before = await context.startContainerd();
      await before.waitNetworkReady(true);
      await expectSuccess(before, before.pod('web-0'), context);
      await expectSuccess(before, before.pod('web-1'), context);
      before.cri.close();
      // The crash: nothing gets to run CNI DEL. A reboot then empties /run and the kernel's network state.
      await node.killAll();
      // /run is a tmpfs on a real node: everything containerd mounted there (netns pins, shm, rootfs) is gone.
      await node.exec([
        'sh',
        '-c',
        `awk '$2 ~ "^/run/(netns|containerd)/" {print $2}' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
         rm -rf /run/netns/* /run/containerd`,
      ]);
      await node.exec(['ip', 'link', 'del', 'cni0'], { allowFail: true });
      await node.exec(['iptables', '-t', 'nat', '-F']);
      await node.exec(['iptables', '-t', 'nat', '-X']);
      context.observe('node crashed: containerd, shims and pause killed; /run/netns and /run/containerd wiped; cni0 and NAT chains removed');
      const after = await context.startContainerd();
      await after.waitNetworkReady(true);
      const leftovers = await readdir(join(node.root, 'var/lib/cni/networks/containerd-net'));
      context.observe(`after restart /var/lib/cni/networks/containerd-net: ${leftovers.sort().join(' ')}`);
      await expectFailure(after, after.pod('web-2'), context, 'no IP addresses available in range set: 10.245.0.10-10.245.0.11');
    },
  },
  {
    name: 'empty-results-cache',
    title: 'zero-byte libcni result cache',
    reproduces:
      'A pod\'s /var/lib/cni/results/containerd-net-<id>-eth0 left empty (a crash mid-write): StopPodSandbox fails with "failed to destroy network for sandbox ...: failed to get network \\"containerd-net\\" cached result: decoding version from network config: unexpected end of JSON input"; cni/results holds the 0-byte file.',
    async run(context) {
      await writeFile(join(context.node.root, 'etc/cni/net.d/10-containerd-net.conflist'), bridgeConflist({ subnet: '10.88.0.0/16' }));
      const runtime = await context.startContainerd();
      await runtime.waitNetworkReady(true);
      const pod = runtime.pod('web-0');
      const id = await expectSuccess(runtime, pod, context);
      const cache = join(context.node.root, 'var/lib/cni/results', `containerd-net-${id}-eth0`);
      await truncate(cache, 0);
      context.observe(`emptied ${cache.slice(context.node.root.length)}`);
      const stop = await runtime.stopPod(pod);
      if (!stop) throw new LabError('StopPodSandbox unexpectedly succeeded with an empty result cache');
      context.observe(`StopPodSandbox ${pod.name}: ${stop.rpcText}`);
    },
  },
  {
    name: 'iptables-legacy-and-nft',
    title: 'iptables legacy and nf_tables rules on one node',
    reproduces:
      'The bridge plugin writes its NAT rules through iptables-nft while a kube-proxy-like component writes KUBE-* chains through iptables-legacy: iptables-nft-save warns "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them" on stderr (kept in the manifest) and net/iptables-legacy-save.txt shows the KUBE chains.',
    async run(context) {
      const { node } = context;
      await writeFile(join(node.root, 'etc/cni/net.d/10-containerd-net.conflist'), bridgeConflist({ subnet: '10.88.0.0/16' }));
      const runtime = await context.startContainerd();
      await runtime.waitNetworkReady(true);
      await expectSuccess(runtime, runtime.pod('web-0'), context);
      for (const args of [
        ['-t', 'nat', '-N', 'KUBE-SERVICES'],
        ['-t', 'nat', '-N', 'KUBE-POSTROUTING'],
        ['-t', 'nat', '-A', 'PREROUTING', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'],
        ['-t', 'nat', '-A', 'POSTROUTING', '-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'],
        ['-t', 'filter', '-N', 'KUBE-FORWARD'],
        ['-t', 'filter', '-A', 'FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', 'KUBE-FORWARD'],
      ]) {
        await node.exec(['iptables-legacy', ...args]);
      }
      const warning = await node.exec(['iptables-nft-save'], { allowFail: true });
      context.observe(`iptables-nft-save stderr: ${warning.stderr.trim()}`);
    },
  },
];

export function findScenario(name: string): LabScenario | undefined {
  return labScenarios.find((s) => s.name === name);
}
