import type { RuleDefinition } from '../define.js';

/** Rules of this group, in the order they run. */
export const RULES: readonly RuleDefinition[] = [];
