import type { RuleDefinition } from '../define.js';
import cniCacheCorrupt from '../cni-cache-corrupt.js';
import cniConfigConflict from '../cni-config-conflict.js';
import cniConfigInvalid from '../cni-config-invalid.js';
import cniConfigMissing from '../cni-config-missing.js';
import cniConfigStale from '../cni-config-stale.js';
import cniVersionUnsupported from '../cni-version-unsupported.js';
import ipamLeaked from '../ipam-leaked.js';
import runtimeCniNotReloaded from '../runtime-cni-not-reloaded.js';
import runtimeCniPathMismatch from '../runtime-cni-path-mismatch.js';

/** Rules of this group, in the order they run. */
export const RULES: readonly RuleDefinition[] = [
  cniConfigMissing,
  cniConfigInvalid,
  cniConfigConflict,
  cniConfigStale,
  cniVersionUnsupported,
  runtimeCniNotReloaded,
  runtimeCniPathMismatch,
  cniCacheCorrupt,
  ipamLeaked,
];
