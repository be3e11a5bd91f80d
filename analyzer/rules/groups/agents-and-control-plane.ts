import type { RuleDefinition } from '../define.js';
import bpfFsNotMounted from '../bpf-fs-not-mounted.js';
import cniAgentNotReady from '../cni-agent-not-ready.js';
import cniAgentUnauthorized from '../cni-agent-unauthorized.js';
import cniAgentUnreachable from '../cni-agent-unreachable.js';
import cniApiserverUnreachable from '../cni-apiserver-unreachable.js';
import cniPluginTimeout from '../cni-plugin-timeout.js';
import flannelSubnetEnvMissing from '../flannel-subnet-env-missing.js';
import kernelIncompatible from '../kernel-incompatible.js';
import podcidrMissing from '../podcidr-missing.js';
import podcidrOverlap from '../podcidr-overlap.js';

/**
 * Rules of this group, in the order they run: the CNI agents (present, authorized, reachable,
 * answering in time), the control plane they depend on (API server, podCIDR allocation, the
 * address plan) and the node features eBPF agents need (kernel, bpffs).
 */
export const RULES: readonly RuleDefinition[] = [
  cniAgentNotReady,
  cniAgentUnauthorized,
  cniAgentUnreachable,
  cniApiserverUnreachable,
  cniPluginTimeout,
  flannelSubnetEnvMissing,
  podcidrMissing,
  podcidrOverlap,
  kernelIncompatible,
  bpfFsNotMounted,
];
