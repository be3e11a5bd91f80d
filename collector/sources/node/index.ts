/**
 * The node recipe: every node evidence source, in collection order. Both executors (TypeScript on
 * the node, and the rendered sh script in a privileged pod) run exactly this list.
 *
 * Order: volatile state first (journals, caches and reservations change as the runtime retries),
 * cheap static facts last.
 */
import type { NodeSourceDefinition } from '../define.js';
import journalKubelet from './journal-kubelet.js';
import journalRuntime from './journal-runtime.js';
import cniNetD from './cni-net-d.js';
import cniBin from './cni-bin.js';
import cniResults from './cni-results.js';
import cniNetworks from './cni-networks.js';
import cniFlannelCache from './cni-flannel-cache.js';
import flannelSubnetEnv from './flannel-subnet-env.js';
import cniPluginLogs from './cni-plugin-logs.js';
import netns from './netns.js';
import ipAddr from './ip-addr.js';
import ipLink from './ip-link.js';
import ipRoute from './ip-route.js';
import ipRule from './ip-rule.js';
import iptablesNft from './iptables-nft.js';
import iptablesLegacy from './iptables-legacy.js';
import nftRuleset from './nft-ruleset.js';
import conntrackStats from './conntrack-stats.js';
import criPods from './cri-pods.js';
import criInfo from './cri-info.js';
import runtimeConfig from './runtime-config.js';
import distroRancher from './distro-rancher.js';
import mounts from './mounts.js';
import df from './df.js';
import sysctlNet from './sysctl-net.js';
import uname from './uname.js';
import osRelease from './os-release.js';
import uptime from './uptime.js';
import date from './date.js';
import dmesg from './dmesg.js';

export const nodeRecipe: readonly NodeSourceDefinition[] = [
  journalKubelet,
  journalRuntime,
  cniNetD,
  cniBin,
  cniResults,
  cniNetworks,
  cniFlannelCache,
  flannelSubnetEnv,
  cniPluginLogs,
  netns,
  ipAddr,
  ipLink,
  ipRoute,
  ipRule,
  iptablesNft,
  iptablesLegacy,
  nftRuleset,
  conntrackStats,
  criPods,
  criInfo,
  runtimeConfig,
  distroRancher,
  mounts,
  df,
  sysctlNet,
  uname,
  osRelease,
  uptime,
  date,
  dmesg,
];
