/**
 * The redaction rules, in the order they run on each line. Specific patterns come before the
 * name-driven catch-all so a value is counted under the rule that knows what it is.
 */
import type { RedactionRule } from '../rule.js';
import awsAccessKey from './aws-access-key.js';
import azureCredentials from './azure-credentials.js';
import basicAuthHeader from './basic-auth-header.js';
import bearerHeader from './bearer-header.js';
import cniApiCredentials from './cni-api-credentials.js';
import cniEtcdCredentials from './cni-etcd-credentials.js';
import envAndConfigByName from './env-and-config-by-name.js';
import gcpServiceAccountKey from './gcp-service-account-key.js';
import jwt from './jwt.js';
import knownTokenFormats from './known-token-formats.js';
import kubeconfigCredentials from './kubeconfig-credentials.js';
import pemPrivateKey from './pem-private-key.js';
import registryAuth from './registry-auth.js';
import urlCredentials from './url-credentials.js';

export const REDACTION_RULES: readonly RedactionRule[] = [
  pemPrivateKey,
  jwt,
  awsAccessKey,
  gcpServiceAccountKey,
  azureCredentials,
  knownTokenFormats,
  bearerHeader,
  basicAuthHeader,
  urlCredentials,
  kubeconfigCredentials,
  cniEtcdCredentials,
  cniApiCredentials,
  registryAuth,
  envAndConfigByName,
];

export const REDACTION_RULE_IDS: readonly string[] = REDACTION_RULES.map((r) => r.id);
