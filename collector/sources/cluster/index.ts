/**
 * The cluster recipe: every cluster evidence source. They run concurrently (the API client bounds
 * the requests in flight); the ones that only render what scope discovery fetched cost nothing.
 */
import type { ClusterSourceDefinition } from '../define.js';
import accessReview from './access-review.js';
import agentLogs from './agent-logs.js';
import configmaps from './configmaps.js';
import daemonsets from './daemonsets.js';
import describe from './describe.js';
import events from './events.js';
import namespacePods from './namespace-pods.js';
import nodes from './nodes.js';
import podsInScope from './pods-in-scope.js';
import serverVersion from './server-version.js';

export const clusterRecipe: readonly ClusterSourceDefinition[] = [
  serverVersion,
  nodes,
  podsInScope,
  events,
  describe,
  namespacePods,
  daemonsets,
  configmaps,
  agentLogs,
  accessReview,
];
