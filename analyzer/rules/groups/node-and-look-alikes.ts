import type { RuleDefinition } from '../define.js';
import iptablesLockContention from '../iptables-lock-contention.js';
import iptablesBackendMismatch from '../iptables-backend-mismatch.js';
import mtuMismatch from '../mtu-mismatch.js';
import nodeDiskPressure from '../node-disk-pressure.js';
import sandboxImagePullFailed from '../sandbox-image-pull-failed.js';
import runtimeOciFailure from '../runtime-oci-failure.js';
import nodeNotReady from '../node-not-ready.js';

/** Rules of this group, in the order they run. */
export const RULES: readonly RuleDefinition[] = [
  iptablesLockContention,
  iptablesBackendMismatch,
  mtuMismatch,
  nodeDiskPressure,
  sandboxImagePullFailed,
  runtimeOciFailure,
  nodeNotReady,
];
