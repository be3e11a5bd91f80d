/**
 * Defaults of `cni-evidence collect`, in a module with no dependencies: the CLI shows them in
 * --help without loading the Kubernetes client (a second of startup) for every command.
 */
export const DEFAULT_IMAGE = 'busybox:1.36';
export const DEFAULT_NODE_POD_NAMESPACE = 'kube-system';
/** 16 node pods in flight: 20 failing nodes plus a contrast node finish in two rounds. */
export const DEFAULT_WORKERS = 16;
export const DEFAULT_NODE_TIMEOUT_MS = 120_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_TAIL_LINES = 5000;
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_NODES = 50;
