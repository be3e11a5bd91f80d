import { nameIn, redactPairs } from '../pairs.js';
import { defineRule } from '../rule.js';

const ID = 'kubeconfig-credentials';
// client-certificate-data is a public certificate and stays; its key is the secret.
const isCredential = nameIn(['client-key-data', 'client-key', 'token', 'id-token', 'refresh-token', 'access-token', 'client-secret', 'idp-certificate-authority-data-key']);

export default defineRule({
  id: ID,
  description: 'Kubeconfig user credentials (in net.d kubeconfigs, collected configs, logged kubeconfigs): client-key-data, client-key, token, and auth-provider id-token / refresh-token / access-token / client-secret. client-certificate-data, certificate-authority-data, server and user names stay.',
  trigger: { anyCase: ['token', 'key', 'secret'] },
  create() {
    return (line, hit) => (/token|key|secret/i.test(line) ? redactPairs(line, isCredential, ID, hit, { json: true, yaml: true }) : line);
  },
});
