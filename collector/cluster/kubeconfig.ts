/**
 * Which cluster to talk to, the way kubectl decides: `--kubeconfig`, else $KUBECONFIG (a list of
 * files, merged), else ~/.kube/config, else the in-cluster service account; `--context` picks a
 * context from it.
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { CniEvidenceError, ERROR_CODES } from '../../shared/errors.js';

export interface KubeConfigOptions {
  /** A kubeconfig file (kubectl's --kubeconfig). */
  kubeconfig?: string;
  /** A context of that kubeconfig (kubectl's --context). */
  context?: string;
}

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** The context in use; '' for the in-cluster config, which has none by name. */
  context: string;
  server: string;
  /** The namespace of the context (kubectl's default for names without one), else `default`. */
  namespace: string;
  inCluster: boolean;
}

function kubeconfigError(message: string, hint: string, cause?: unknown): CniEvidenceError {
  return new CniEvidenceError({ code: ERROR_CODES.KUBECONFIG, message, hint, ...(cause !== undefined ? { cause } : {}) });
}

export function loadKubeConfig(options: KubeConfigOptions = {}): LoadedKubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) {
      if (!existsSync(options.kubeconfig)) {
        throw kubeconfigError(`kubeconfig ${options.kubeconfig} does not exist`, 'Pass the path of an existing kubeconfig to --kubeconfig, or leave it out to use $KUBECONFIG or ~/.kube/config.');
      }
      kc.loadFromFile(options.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (error) {
    if (error instanceof CniEvidenceError) throw error;
    throw kubeconfigError(
      `cannot read the kubeconfig: ${(error as Error).message}`,
      'Check the file kubectl uses (--kubeconfig, $KUBECONFIG or ~/.kube/config): `kubectl config view` shows what is wrong with it.',
      error,
    );
  }
  if (options.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw kubeconfigError(
        `context "${options.context}" is not in the kubeconfig`,
        known.length > 0 ? `Pick one of: ${known.join(', ')} (kubectl config get-contexts).` : 'The kubeconfig has no contexts; check --kubeconfig or $KUBECONFIG.',
      );
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  const inCluster = kc.getCurrentUser()?.name === 'inClusterUser';
  // client-node falls back to an unauthenticated localhost:8080 when it finds nothing at all.
  if (!cluster || (cluster.name === 'cluster' && cluster.server === 'http://localhost:8080' && !inCluster)) {
    throw kubeconfigError(
      'no kubeconfig found: neither --kubeconfig, $KUBECONFIG, ~/.kube/config nor an in-cluster service account',
      'Point cni-evidence at a cluster the way you point kubectl at it: --kubeconfig <file>, KUBECONFIG=<file>, or run it in a pod with a service account (see deploy/rbac.yaml).',
    );
  }
  const contextName = kc.getCurrentContext();
  const contextObject = kc.getContexts().find((c) => c.name === contextName);
  return {
    kubeConfig: kc,
    context: inCluster ? '' : contextName,
    server: cluster.server,
    namespace: contextObject?.namespace?.trim() || 'default',
    inCluster,
  };
}
