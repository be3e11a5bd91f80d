/**
 * Every diagnosis rule, in the order they run. Rule ids are a public contract (docs/rules.md):
 * add rules, never rename one.
 */
import type { RuleDefinition } from './define.js';
import cniPluginMissing from './cni-plugin-missing.js';
import ipamExhausted from './ipam-exhausted.js';
import podcidrMismatch from './podcidr-mismatch.js';
import { RULES as agentsAndControlPlane } from './groups/agents-and-control-plane.js';
import { RULES as configAndRuntime } from './groups/config-and-runtime.js';
import { RULES as nodeAndLookAlikes } from './groups/node-and-look-alikes.js';

export const ALL_RULES: readonly RuleDefinition[] = [
  cniPluginMissing,
  ipamExhausted,
  podcidrMismatch,
  ...configAndRuntime,
  ...agentsAndControlPlane,
  ...nodeAndLookAlikes,
];
