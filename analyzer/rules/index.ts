/**
 * Every diagnosis rule, in the order they run. Rule ids are a public contract (docs/rules.md):
 * add rules, never rename one.
 */
import type { RuleDefinition } from './define.js';
import cniPluginMissing from './cni-plugin-missing.js';
import ipamExhausted from './ipam-exhausted.js';
import podcidrMismatch from './podcidr-mismatch.js';

export const ALL_RULES: readonly RuleDefinition[] = [cniPluginMissing, ipamExhausted, podcidrMismatch];
