/**
 * The kit for hand-made sample bundles: a healthy three-node flannel cluster (API objects from
 * the recorded fixture the test API server serves, node files in the exact formats the node
 * collector writes), which each sample bends into one failure with real message text.
 *
 * Samples the lab can reproduce with real software come from `npm run lab`; these cover the rest.
 */
import { createHash } from 'node:crypto';
import { BundleWriter } from '../../shared/bundle/writer.js';
import { clusterPaths, nodePaths } from '../../shared/bundle/paths.js';
import type { ArtifactSource } from '../../shared/bundle/manifest-schema.js';
import { threeNodeFlannelCluster, RECORDED_AT } from '../../test/kube-api/fixtures.js';
import type { ClusterFixture, CoreEvent, Pod } from '../../test/kube-api/types.js';

export interface SampleExpectation {
  /** The first diagnosis. */
  ruleId: string;
  pod: string | null;
  node: string | null;
}

export interface SampleRecipe {
  name: string;
  description: string;
  expect: SampleExpectation;
  build(kit: SampleKit): void;
}

export function defineSample(recipe: SampleRecipe): SampleRecipe {
  return recipe;
}

export const hex64 = (seed: string): string => createHash('sha256').update(seed).digest('hex');

interface NodeFile {
  text: string;
  source: ArtifactSource;
  exitCode?: number;
  stderr?: string;
  status?: 'absent' | 'failed' | 'forbidden' | 'timeout' | 'skipped';
  error?: string;
  fileMode?: string;
}

export interface PodOnNode {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
  sandboxId: string;
}

const T0 = Date.parse(RECORDED_AT);
export const at = (secondsBefore: number): string => new Date(T0 - secondsBefore * 1000).toISOString();
const isoSeconds = (secondsBefore: number) => at(secondsBefore).replace(/\.\d+Z$/, '+0000');
const klogTime = (secondsBefore: number) => {
  const d = new Date(T0 - secondsBefore * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}512`;
};

const PLUGINS = ['bandwidth', 'bridge', 'dhcp', 'dummy', 'firewall', 'flannel', 'host-device', 'host-local', 'ipvlan', 'loopback', 'macvlan', 'portmap', 'ptp', 'sbr', 'static', 'tap', 'tuning', 'vlan', 'vrf'];
const VERSIONS = '{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}';

export const FLANNEL_CONFLIST = `{
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

function listingLine(mode: string, size: number, name: string, extra = ''): string {
  return `${mode} 1 0 0 ${size} 2026-11-20 08:14:03.512000000 +0000 ${name}${extra}`;
}

export class NodeKit {
  readonly files = new Map<string, NodeFile>();
  readonly pods: PodOnNode[] = [];
  readonly kubelet: string[] = [];
  readonly containerd: string[] = [];
  netD = new Map<string, string>([['10-flannel.conflist', FLANNEL_CONFLIST]]);
  binPlugins = [...PLUGINS];
  /** Address on cni0; defaults to the podCIDR's gateway. */
  cni0?: string;
  mtu = { eth0: 1500, flannel: 1450, cni0: 1450 };
  bpfMounted = true;
  diskUsePercent = 41;
  extraMounts: string[] = [];
  subnetEnv: string | null;
  reservations = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly nodeIp: string,
    readonly podCidr: string,
    readonly otherCidrs: { cidr: string; ip: string }[],
  ) {
    const base = podCidr.split('/')[0]!.split('.').slice(0, 3).join('.');
    this.subnetEnv = `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=${base}.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`;
  }

  get gateway(): string {
    return `${this.podCidr.split('/')[0]!.split('.').slice(0, 3).join('.')}.1`;
  }

  /** A pod running on this node: cache file, reservation, veth, journal lines. */
  addRunningPod(namespace: string, name: string, uid: string, ip: string): PodOnNode {
    const pod = { namespace, name, uid, ip, sandboxId: hex64(`sandbox/${this.name}/${namespace}/${name}`) };
    this.pods.push(pod);
    this.reservations.set(ip, `${pod.sandboxId}\r\neth0`);
    this.kubelet.push(this.klog(600 - this.pods.length * 7, 'I', 'kuberuntime_manager.go:1045', `"Created PodSandbox for pod" podSandboxID="${pod.sandboxId}" pod="${namespace}/${name}"`));
    return pod;
  }

  klog(secondsBefore: number, level: 'I' | 'W' | 'E', source: string, body: string): string {
    return `${isoSeconds(secondsBefore)} ${this.name} kubelet[1187]: ${level}${klogTime(secondsBefore)}    1187 ${source}] ${body}`;
  }

  containerdLine(secondsBefore: number, level: 'info' | 'warning' | 'error', msg: string, error?: string): string {
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    return `${isoSeconds(secondsBefore)} ${this.name} containerd[902]: time="${at(secondsBefore).replace('Z', '123456Z')}" level=${level} msg="${esc(msg)}"${error ? ` error="${esc(error)}"` : ''}`;
  }

  /** The four kubelet lines and the containerd line a failing RunPodSandbox leaves, with `error` verbatim. */
  failSandbox(pod: { namespace: string; name: string; uid: string }, error: string, secondsBefore = 60, op: 'add' | 'delete' = 'add'): string {
    const sandbox = hex64(`failed/${this.name}/${pod.name}/${secondsBefore}`);
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    if (op === 'add') {
      const cri = `failed to setup network for sandbox "${sandbox}": ${error}`;
      this.containerd.push(this.containerdLine(secondsBefore, 'error', `RunPodSandbox for &PodSandboxMetadata{Name:${pod.name},Uid:${pod.uid},Namespace:${pod.namespace},Attempt:0,} failed, error`, cri));
      const err = `rpc error: code = Unknown desc = ${cri}`;
      this.kubelet.push(this.klog(secondsBefore, 'E', 'remote_runtime.go:193', `"RunPodSandbox from runtime service failed" err="${esc(err)}"`));
      this.kubelet.push(this.klog(secondsBefore, 'E', 'kuberuntime_sandbox.go:72', `"Failed to create sandbox for pod" err="${esc(err)}" pod="${pod.namespace}/${pod.name}"`));
      this.kubelet.push(this.klog(secondsBefore, 'E', 'kuberuntime_manager.go:1166', `"CreatePodSandbox for pod failed" err="${esc(err)}" pod="${pod.namespace}/${pod.name}"`));
    } else {
      const cri = `failed to destroy network for sandbox "${sandbox}": ${error}`;
      this.containerd.push(this.containerdLine(secondsBefore, 'error', `StopPodSandbox for "${sandbox}" failed`, cri));
      this.kubelet.push(this.klog(secondsBefore, 'E', 'remote_runtime.go:222', `"StopPodSandbox from runtime service failed" err="${esc(`rpc error: code = Unknown desc = ${cri}`)}" podSandboxID="${sandbox}"`));
      this.kubelet.push(this.klog(secondsBefore, 'E', 'kuberuntime_manager.go:1392', `"Failed to stop sandbox" podSandboxID={"Type":"containerd","ID":"${sandbox}"}`));
    }
    return sandbox;
  }

  /** Replace or add any node file (path relative to nodes/<node>/). */
  set(path: string, text: string, source: ArtifactSource, extra: Partial<NodeFile> = {}): void {
    this.files.set(path, { text, source, ...extra });
  }

  /** Record a node artifact with no content (absent tool, unreadable file...). */
  missing(path: string, source: ArtifactSource, status: NodeFile['status'], error: string): void {
    this.files.set(path, { text: '', source, status, error });
  }

  /** Render everything not overridden by set(). */
  render(): Map<string, NodeFile> {
    const out = new Map<string, NodeFile>();
    const put = (path: string, text: string, source: ArtifactSource, extra: Partial<NodeFile> = {}) => {
      if (!this.files.has(path)) out.set(path, { text, source, ...extra });
    };
    const cmd = (...argv: string[]): ArtifactSource => ({ kind: 'command', argv });
    const file = (path: string): ArtifactSource => ({ kind: 'file', path });

    const netD = [...this.netD].sort(([a], [b]) => (a < b ? -1 : 1));
    put('cni/net.d.ls', ['# cni-evidence listing v1: /etc/cni/net.d (ls -ln --time-style=full-iso, TZ=UTC)', listingLine('drwxr-xr-x', 4096, '.'), ...netD.map(([n, t]) => listingLine('-rw-r--r--', Buffer.byteLength(t), n))].join('\n') + '\n', { kind: 'file', path: '/etc/cni/net.d' });
    for (const [n, t] of netD) put(`cni/net.d/${n}`, t, file(`/etc/cni/net.d/${n}`), { fileMode: '-rw-r--r--' });
    put(
      'cni/bin.ls',
      ['# cni-evidence listing v1: /opt/cni/bin (ls -ln --time-style=full-iso, TZ=UTC)', listingLine('drwxr-xr-x', 4096, '.'), ...this.binPlugins.map((p) => listingLine('-rwxr-xr-x', 2_900_000 + p.length * 1013, p, `\tsha256=${hex64(`bin/${p}`)}\tversion=${VERSIONS}`))].join('\n') + '\n',
      { kind: 'file', path: '/opt/cni/bin' },
    );
    const results = this.pods.map((p) => `cbr0-${p.sandboxId}-eth0`);
    put('cni/results.ls', ['# cni-evidence listing v1: /var/lib/cni/results (ls -ln --time-style=full-iso, TZ=UTC)', listingLine('drwx------', 4096, '.'), ...results.map((r) => listingLine('-rw-------', 1647, r))].join('\n') + '\n', { kind: 'file', path: '/var/lib/cni/results' });
    for (const p of this.pods) {
      const config = Buffer.from(FLANNEL_CONFLIST).toString('base64');
      const cache = {
        kind: 'cniCacheV1',
        containerId: p.sandboxId,
        config,
        ifName: 'eth0',
        networkName: 'cbr0',
        cniArgs: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', p.namespace], ['K8S_POD_NAME', p.name], ['K8S_POD_INFRA_CONTAINER_ID', p.sandboxId], ['K8S_POD_UID', p.uid]],
        capabilityArgs: { 'io.kubernetes.cri.pod-annotations': null },
        result: { cniVersion: '0.3.1', dns: {}, interfaces: [{ mac: '0a:58:0a:f4:01:04', name: 'cni0' }, { mac: '16:f3:b2:8f:3e:11', name: `veth${p.sandboxId.slice(0, 8)}` }, { mac: '0a:58:0a:f4:01:09', name: 'eth0', sandbox: `/var/run/netns/cni-${p.uid}` }], ips: [{ address: `${p.ip}/24`, gateway: this.gateway, interface: 2, version: '4' }], routes: [{ dst: '10.244.0.0/16' }, { dst: '0.0.0.0/0', gw: this.gateway }] },
      };
      put(`cni/results/cbr0-${p.sandboxId}-eth0`, JSON.stringify(cache), file(`/var/lib/cni/results/cbr0-${p.sandboxId}-eth0`), { fileMode: '-rw-------' });
    }
    const reservations = [...this.reservations];
    put(
      'cni/networks.ls',
      ['# cni-evidence listing v1: /var/lib/cni/networks (ls -ln --time-style=full-iso, TZ=UTC)', listingLine('drwxr-xr-x', 4096, '.'), listingLine('drwxr-xr-x', 4096, 'cbr0'), ...reservations.map(([ip, t]) => listingLine('-rw-r--r--', Buffer.byteLength(t), `cbr0/${ip}`)), listingLine('-rwxr-x---', 0, 'cbr0/lock')].join('\n') + '\n',
      { kind: 'file', path: '/var/lib/cni/networks' },
    );
    for (const [ip, t] of reservations) put(`cni/networks/cbr0/${ip}`, t, file(`/var/lib/cni/networks/cbr0/${ip}`));
    if (reservations.length > 0) put('cni/networks/cbr0/last_reserved_ip.0', reservations[reservations.length - 1]![0], file('/var/lib/cni/networks/cbr0/last_reserved_ip.0'));
    put('cni/networks/cbr0/lock', '', file('/var/lib/cni/networks/cbr0/lock'));
    put('net/netns.ls', ['# cni-evidence listing v1: /run/netns (ls -ln --time-style=full-iso, TZ=UTC)', listingLine('drwxr-xr-x', 4096, '.'), ...this.pods.map((p) => listingLine('-r--r--r--', 0, `cni-${p.uid}`))].join('\n') + '\n', { kind: 'file', path: '/run/netns' });

    if (this.subnetEnv !== null) put('flannel/subnet.env', this.subnetEnv, file('/run/flannel/subnet.env'));
    else this.files.has('flannel/subnet.env') || out.set('flannel/subnet.env', { text: '', source: file('/run/flannel/subnet.env'), status: 'absent', error: 'no such file or directory' });

    const cni0 = this.cni0 ?? `${this.gateway}/24`;
    const flannelAddr = `${this.podCidr.split('/')[0]}/32`;
    const veths = this.pods.map((p, i) => `${6 + i}: veth${p.sandboxId.slice(0, 8)}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${this.mtu.cni0} qdisc noqueue master cni0 state UP group default \n    link/ether 16:f3:b2:8f:3e:${(17 + i).toString(16)} brd ff:ff:ff:ff:ff:ff link-netns cni-${p.uid} promiscuity 1 minmtu 68 maxmtu 65535 \n    veth \n    bridge_slave state forwarding priority 32 cost 2 hairpin on \n    inet6 fe80::14f3:b2ff:fe8f:3e${(17 + i).toString(16)}/64 scope link \n       valid_lft forever preferred_lft forever`);
    const ipAddr = [
      `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 \n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever`,
      `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${this.mtu.eth0} qdisc fq_codel state UP group default qlen 1000\n    link/ether 52:54:00:12:34:${this.nodeIp.split('.')[3]} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    inet ${this.nodeIp}/24 brd 192.168.56.255 scope global eth0\n       valid_lft forever preferred_lft forever`,
      `3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${this.mtu.flannel} qdisc noqueue state UNKNOWN group default \n    link/ether 6a:2f:11:c0:9e:${this.nodeIp.split('.')[3]} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    vxlan id 1 local ${this.nodeIp} dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx \n    inet ${flannelAddr} scope global flannel.1\n       valid_lft forever preferred_lft forever`,
      `4: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${this.mtu.cni0} qdisc noqueue state UP group default qlen 1000\n    link/ether 0a:58:0a:f4:01:01 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 \n    inet ${cni0} brd ${cni0.split('/')[0]!.split('.').slice(0, 3).join('.')}.255 scope global cni0\n       valid_lft forever preferred_lft forever`,
      ...veths,
    ].join('\n');
    put('net/ip-addr.txt', `${ipAddr}\n`, cmd('ip', '-d', 'addr', 'show'));
    put('net/ip-link.txt', `${ipAddr.split('\n').filter((l) => !/^\s+(inet|valid_lft)/.test(l)).join('\n')}\n`, cmd('ip', '-d', 'link', 'show'));
    put(
      'net/ip-route.txt',
      [
        `default via 192.168.56.1 dev eth0 proto static `,
        ...this.otherCidrs.map((o) => `${o.cidr} via ${o.cidr.split('/')[0]} dev flannel.1 onlink `),
        `${this.podCidr} dev cni0 proto kernel scope link src ${this.gateway} `,
        `192.168.56.0/24 dev eth0 proto kernel scope link src ${this.nodeIp} `,
        `local ${this.nodeIp} dev eth0 table local proto kernel scope host src ${this.nodeIp} `,
        `local ${this.gateway} dev cni0 table local proto kernel scope host src ${this.gateway} `,
      ].join('\n') + '\n',
      cmd('ip', 'route', 'show', 'table', 'all'),
    );
    put('net/ip-rule.txt', '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n', cmd('ip', 'rule', 'show'));
    const stamp = 'Sun Nov 22 10:29:41 2026';
    const veth = this.pods.map((p) => `-A POSTROUTING -s ${p.ip}/32 -m comment --comment "flanneld masq" -j RETURN`);
    put(
      'net/iptables-save.txt',
      [
        `# Generated by iptables-nft-save v1.8.7 on ${stamp}`,
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':FLANNEL-FWD - [0:0]',
        ':KUBE-FIREWALL - [0:0]',
        ':KUBE-FORWARD - [0:0]',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
        '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
        '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
        'COMMIT',
        `# Completed on ${stamp}`,
        `# Generated by iptables-nft-save v1.8.7 on ${stamp}`,
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':FLANNEL-POSTRTG - [0:0]',
        ':KUBE-POSTROUTING - [0:0]',
        ':KUBE-SERVICES - [0:0]',
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
        ...veth,
        `-A FLANNEL-POSTRTG -s ${this.podCidr} -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN`,
        `-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
        'COMMIT',
        `# Completed on ${stamp}`,
      ].join('\n') + '\n',
      cmd('iptables-nft-save'),
      { exitCode: 0 },
    );
    put('net/iptables-legacy-save.txt', '', cmd('iptables-legacy-save'), { exitCode: 0 });
    put('net/nft-ruleset.txt', 'table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy accept;\n\t\tcounter packets 0 bytes 0 jump KUBE-FORWARD\n\t\tcounter packets 0 bytes 0 jump FLANNEL-FWD\n\t}\n}\ntable ip nat {\n\tchain POSTROUTING {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\tcounter packets 12 bytes 720 jump KUBE-POSTROUTING\n\t\tcounter packets 12 bytes 720 jump FLANNEL-POSTRTG\n\t}\n}\n', cmd('nft', 'list', 'ruleset'));
    put('net/conntrack-stats.txt', 'cpu=0   \tfound=0 invalid=3 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=12 \ncpu=1   \tfound=0 invalid=1 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=9 \n', cmd('conntrack', '-S'));
    put(
      'system/mounts.txt',
      [
        'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
        'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0',
        '/dev/sda1 / ext4 rw,relatime,discard,errors=remount-ro 0 0',
        'tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=401572k,mode=755 0 0',
        'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0',
        ...(this.bpfMounted ? ['bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0'] : []),
        ...this.extraMounts,
        `overlay /run/containerd/io.containerd.runtime.v2.task/k8s.io/${hex64(`ov/${this.name}`)}/rootfs overlay rw,relatime,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs 0 0`,
      ].join('\n') + '\n',
      file('/proc/1/mounts'),
    );
    const total = 50_620_216;
    const used = Math.round((total * this.diskUsePercent) / 100);
    put('system/df.txt', `Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1         ${total} ${used}  ${total - used}      ${this.diskUsePercent}% /\n/dev/sda1         ${total} ${used}  ${total - used}      ${this.diskUsePercent}% /var\n/dev/sda1         ${total} ${used}  ${total - used}      ${this.diskUsePercent}% /var/lib\n`, cmd('df', '-P', '/', '/var', '/var/lib'));
    put('system/uname.txt', `Linux ${this.name} 6.8.0-48-generic #48-Ubuntu SMP PREEMPT_DYNAMIC Fri Sep 27 14:04:52 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux\n`, cmd('uname', '-a'));
    put('system/os-release', 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\n', file('/etc/os-release'));
    put('system/date.txt', `${RECORDED_AT.replace(/\.\d+Z$/, 'Z')}\n`, cmd('date', '-u', '+%Y-%m-%dT%H:%M:%SZ'));
    put('system/uptime.txt', '518400.12 1012233.80\n', file('/proc/uptime'));
    put('system/dmesg.txt', `[    0.000000] Linux version 6.8.0-48-generic (buildd@lcy02-amd64-040) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0) #48-Ubuntu SMP PREEMPT_DYNAMIC\n[   12.418331] bridge: filtering via arp/ip/ip6tables is no longer available by default. Update your scripts to load br_netfilter if you need this.\n[   12.904117] cni0: port 1(veth${(this.pods[0]?.sandboxId ?? '00000000').slice(0, 8)}) entered forwarding state\n`, cmd('dmesg', '-T'));
    put('system/sysctl-net.txt', 'net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.conf.all.rp_filter = 2\nnet.netfilter.nf_conntrack_max = 262144\n', cmd('sysctl', 'net.ipv4.ip_forward', 'net.bridge'));
    const journal = (unit: string, lines: string[]) => `${lines.length > 0 ? lines.join('\n') : '-- No entries --'}\n`;
    put('journal/kubelet.log', journal('kubelet', [this.klog(900, 'I', 'server.go:484', '"Kubelet version" kubeletVersion="v1.32.4"'), this.klog(880, 'I', 'kubelet_network.go:61', '"Updated Pod CIDR" originalPodCIDR="" newPodCIDR="' + this.podCidr + '"'), ...this.kubelet]), cmd('journalctl', '-u', 'kubelet', '-b', '--no-pager', '-o', 'short-iso', '-n', '5000'), { exitCode: 0 });
    put('journal/containerd.log', journal('containerd', [this.containerdLine(905, 'info', 'starting containerd'), this.containerdLine(904, 'info', 'Start cri plugin with config {PluginConfig:{ContainerdConfig:{Snapshotter:overlayfs DefaultRuntimeName:runc} CniConfig:{NetworkPluginBinDir:/opt/cni/bin NetworkPluginConfDir:/etc/cni/net.d NetworkPluginMaxConfNum:1}}}'), ...this.containerd]), cmd('journalctl', '-u', 'containerd', '-b', '--no-pager', '-o', 'short-iso', '-n', '5000'), { exitCode: 0 });
    put('runtime/containerd-config-dump.toml', 'version = 2\nroot = "/var/lib/containerd"\nstate = "/run/containerd"\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.10"\n    [plugins."io.containerd.grpc.v1.cri".cni]\n      bin_dir = "/opt/cni/bin"\n      conf_dir = "/etc/cni/net.d"\n      max_conf_num = 1\n      conf_template = ""\n', cmd('containerd', 'config', 'dump'), { exitCode: 0 });
    put(
      'cri/info.json',
      JSON.stringify({ status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }] }, cniconfig: { PluginDirs: ['/opt/cni/bin'], PluginConfDir: '/etc/cni/net.d', PluginMaxConfNum: 1, Prefix: 'eth', Networks: [{ Config: { Name: 'cni-loopback', CNIVersion: '0.3.1', Plugins: [{ Network: { type: 'loopback' } }] }, IFName: 'lo' }, { Config: { Name: 'cbr0', CNIVersion: '0.3.1', Plugins: [{ Network: { type: 'flannel' } }, { Network: { type: 'portmap' } }] }, IFName: 'eth0' }] }, config: { sandboxImage: 'registry.k8s.io/pause:3.10', cni: { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d', maxConfNum: 1 } }, lastCNILoadStatus: 'OK', 'lastCNILoadStatus.default': 'OK' }, null, 2) + '\n',
      cmd('crictl', 'info'),
      { exitCode: 0 },
    );
    for (const [path, f] of this.files) out.set(path, f);
    return out;
  }
}

export class SampleKit {
  readonly fixture: ClusterFixture = threeNodeFlannelCluster();
  readonly nodes = new Map<string, NodeKit>();
  /** Pods whose API objects go to cluster/pods.json (the scope); defaults to every failing pod. */
  scope: string[] = [];
  /** Collect node evidence for these nodes only (default: all). */
  nodeEvidence: string[] | null = null;
  /** Extra files or gaps at cluster level. */
  readonly clusterFiles = new Map<string, { text: string; source: ArtifactSource; status?: 'forbidden' | 'failed' | 'absent'; error?: string }>();

  constructor() {
    const cidrs = this.fixture.nodes.map((n) => ({ name: n.metadata.name, cidr: (n.spec as { podCIDR: string }).podCIDR, ip: (n.status as { addresses: { address: string }[] }).addresses[0]!.address }));
    for (const n of cidrs) this.nodes.set(n.name, new NodeKit(n.name, n.ip, n.cidr, cidrs.filter((o) => o.name !== n.name).map((o) => ({ cidr: o.cidr, ip: o.ip }))));
    for (const pod of this.fixture.pods) {
      const spec = pod.spec as { nodeName?: string; hostNetwork?: boolean };
      const status = pod.status as { podIP?: string; phase?: string };
      if (spec.hostNetwork || !spec.nodeName || status.phase !== 'Running' || !status.podIP) continue;
      this.nodes.get(spec.nodeName)?.addRunningPod(pod.metadata.namespace!, pod.metadata.name, pod.metadata.uid!, status.podIP);
    }
  }

  node(name: string): NodeKit {
    const found = this.nodes.get(name);
    if (!found) throw new Error(`no node ${name} in the sample cluster`);
    return found;
  }

  pod(namespace: string, name: string): Pod {
    const found = this.fixture.pods.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
    if (!found) throw new Error(`no pod ${namespace}/${name} in the sample cluster`);
    return found;
  }

  /** The fixture's stuck workload pod (default/web-…-6w8j6 on node-2). */
  get stuckPod(): Pod {
    return this.fixture.pods.find((p) => p.metadata.namespace === 'default' && (p.status as { phase?: string }).phase === 'Pending')!;
  }

  eventsFor(pod: Pod): CoreEvent[] {
    return this.fixture.events.filter((e) => e.involvedObject.uid === pod.metadata.uid);
  }

  /** Rewrites the stuck pod's sandbox events to carry `message` instead of the cni0 conflict. */
  setSandboxError(pod: Pod, message: string, reason = 'FailedCreatePodSandBox'): void {
    for (const e of this.eventsFor(pod)) {
      if (e.reason !== 'FailedCreatePodSandBox' && e.reason !== 'FailedKillPod') continue;
      const combined = (e.message ?? '').startsWith('(combined from similar events): ');
      const sandbox = hex64(`${e.metadata.name}/sandbox`);
      e.reason = reason;
      e.message = `${combined ? '(combined from similar events): ' : ''}${message.replaceAll('{sandbox}', sandbox)}`;
    }
  }

  /** A healthy cluster: the stuck pod runs, flannel on node-2 is not crash-looping. */
  heal(): void {
    const stuck = this.stuckPod;
    const ns = stuck.metadata.namespace!;
    this.fixture.events = this.fixture.events.filter((e) => e.involvedObject.uid !== stuck.metadata.uid || e.reason === 'Scheduled');
    const status = stuck.status as Record<string, unknown>;
    status.phase = 'Running';
    status.podIP = '10.244.1.4';
    status.podIPs = [{ ip: '10.244.1.4' }];
    status.conditions = (status.conditions as { type: string; status: string }[]).map((c) => ({ ...c, status: 'True' }));
    status.containerStatuses = ((status.containerStatuses as Record<string, unknown>[]) ?? []).map((c) => ({ ...c, ready: true, started: true, state: { running: { startedAt: at(300) } } }));
    this.node('node-2').addRunningPod(ns, stuck.metadata.name, stuck.metadata.uid!, '10.244.1.4');
    const flannel = this.fixture.pods.find((p) => p.metadata.namespace === 'kube-flannel' && (p.spec as { nodeName?: string }).nodeName === 'node-2')!;
    const fs = flannel.status as Record<string, unknown>;
    fs.conditions = (fs.conditions as { type: string; status: string }[]).map((c) => ({ ...c, status: 'True' }));
    fs.containerStatuses = ((fs.containerStatuses as Record<string, unknown>[]) ?? []).map((c) => ({ ...c, ready: true, started: true, restartCount: 0, state: { running: { startedAt: at(3000) } }, lastState: {} }));
    this.fixture.events = this.fixture.events.filter((e) => e.involvedObject.uid !== flannel.metadata.uid);
    const key = `kube-flannel/${flannel.metadata.name}/kube-flannel`;
    const healthyLog = this.fixture.logs[`kube-flannel/${this.fixture.pods.find((p) => p.metadata.namespace === 'kube-flannel' && (p.spec as { nodeName?: string }).nodeName === 'node-3')!.metadata.name}/kube-flannel`]?.current ?? '';
    this.fixture.logs[key] = { current: healthyLog.replaceAll('node-3', 'node-2').replaceAll('10.244.2.', '10.244.1.') };
    const ds = this.fixture.daemonSets.find((d) => d.metadata.name === 'kube-flannel-ds')!;
    const dss = ds.status as Record<string, number>;
    dss.numberReady = dss.desiredNumberScheduled!;
    dss.numberAvailable = dss.desiredNumberScheduled!;
    delete dss.numberUnavailable;
  }

  async write(out: string, description: string): Promise<string> {
    const failing = this.fixture.pods.filter((p) => (p.status as { phase?: string }).phase === 'Pending' || p.metadata.deletionTimestamp);
    const scope = this.scope.length > 0 ? this.scope : failing.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const writer = await BundleWriter.create(out, {
      mode: 'cluster',
      overwrite: true,
      topFolder: `cni-evidence-${out.replace(/^.*\//, '').replace(/\.tgz$/, '')}`,
      request: { namespaces: [...new Set(scope.map((s) => s.split('/')[0]!))], pods: scope, nodes: [...this.nodes.keys()], options: { sample: description } },
      redaction: { enabled: true },
      now: () => new Date(T0),
    });
    const api = (path: string): ArtifactSource => ({ kind: 'api', method: 'GET', path });
    const started = new Date(T0);
    const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
    const list = (kind: string, apiVersion: string, items: unknown[]) => json({ kind, apiVersion, metadata: { resourceVersion: '48213' }, items: items.map((i) => ({ apiVersion, kind: kind.replace(/List$/, ''), ...(i as object) })) });
    const write = (path: string, text: string, source: ArtifactSource) => writer.write({ path, source, node: null, startedAt: started, durationMs: 21 }, text);

    await write(clusterPaths.version, json(this.fixture.serverVersion), api('/version'));
    await write(clusterPaths.nodes, list('NodeList', 'v1', this.fixture.nodes), api('/api/v1/nodes'));
    const inScope = this.fixture.pods.filter((p) => scope.includes(`${p.metadata.namespace}/${p.metadata.name}`));
    await write(clusterPaths.pods, list('PodList', 'v1', inScope), api('/api/v1/pods'));
    const events = this.fixture.events.filter((e) => e.type === 'Warning' || inScope.some((p) => p.metadata.uid === e.involvedObject.uid));
    await write(clusterPaths.events, list('EventList', 'v1', events), api('/api/v1/events'));
    const cniNamespaces = ['kube-system', 'kube-flannel', 'calico-system', 'tigera-operator', 'cilium'].filter((ns) => ns === 'kube-system' || this.fixture.pods.some((p) => p.metadata.namespace === ns));
    for (const ns of cniNamespaces) {
      await write(clusterPaths.namespacePods(ns), list('PodList', 'v1', this.fixture.pods.filter((p) => p.metadata.namespace === ns)), api(`/api/v1/namespaces/${ns}/pods`));
      await write(clusterPaths.namespaceDaemonSets(ns), list('DaemonSetList', 'apps/v1', this.fixture.daemonSets.filter((d) => d.metadata.namespace === ns)), api(`/apis/apps/v1/namespaces/${ns}/daemonsets`));
    }
    for (const cm of this.fixture.configMaps) {
      if (!['kube-flannel-cfg', 'kube-proxy', 'kubeadm-config', 'cilium-config', 'calico-config', 'aws-node', 'cni-config'].includes(cm.metadata.name)) continue;
      await write(clusterPaths.configMap(cm.metadata.namespace!, cm.metadata.name), json({ apiVersion: 'v1', kind: 'ConfigMap', ...cm }), api(`/api/v1/namespaces/${cm.metadata.namespace}/configmaps/${cm.metadata.name}`));
    }
    for (const [key, logs] of Object.entries(this.fixture.logs)) {
      const [ns, pod, container] = key.split('/') as [string, string, string];
      // The collector fetches the CNI agents' logs, not every workload's.
      if (!cniNamespaces.includes(ns) || !/flannel|calico|cilium|aws-node|canal|antrea|weave|kube-router/.test(pod) || /^install-cni/.test(container)) continue;
      if (logs.current !== undefined) await write(clusterPaths.containerLog(ns, pod, container), logs.current, api(`/api/v1/namespaces/${ns}/pods/${pod}/log?container=${container}`));
      if (logs.previous !== undefined) await write(clusterPaths.containerLog(ns, pod, container, true), logs.previous, api(`/api/v1/namespaces/${ns}/pods/${pod}/log?container=${container}&previous=true`));
    }
    for (const [path, f] of this.clusterFiles) {
      if (f.status) writer.record({ path, source: f.source, node: null, status: f.status, error: f.error ?? f.status, startedAt: started });
      else await write(path, f.text, f.source);
    }
    for (const node of this.nodes.values()) {
      if (this.nodeEvidence && !this.nodeEvidence.includes(node.name)) continue;
      for (const [rel, f] of node.render()) {
        const path = `nodes/${node.name}/${rel}`;
        if (f.status) {
          writer.record({ path, source: f.source, node: node.name, status: f.status, error: f.error ?? f.status, startedAt: started });
          continue;
        }
        await writer.write({ path, source: f.source, node: node.name, startedAt: started, durationMs: 12, sourceId: 'sample', ...(f.exitCode !== undefined ? { exitCode: f.exitCode } : {}), ...(f.stderr ? { stderrExcerpt: f.stderr } : {}), ...(f.fileMode ? { fileMode: f.fileMode } : {}) }, f.text);
      }
    }
    const { path } = await writer.finalize({ completion: { state: 'complete' } });
    void nodePaths;
    return path;
  }
}
