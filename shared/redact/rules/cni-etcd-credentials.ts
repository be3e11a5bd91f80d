import { nameWords } from '../names.js';
import { redactPairs } from '../pairs.js';
import { defineRule } from '../rule.js';

const ID = 'cni-etcd-credentials';
const SECRET_PART = new Set(['password', 'passwd', 'key', 'secret', 'token']);

/** etcd_password, etcd-key, ETCDCTL_PASSWORD, etcdPassword, etcd_client_key: not etcd_key_file (a path setting). */
function isEtcdSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words[0] !== 'etcd' && words[0] !== 'etcdctl') return false;
  const last = words[words.length - 1]!;
  return words.length >= 2 && SECRET_PART.has(last);
}

export default defineRule({
  id: ID,
  description: 'etcd credentials in CNI configs, ConfigMaps, env and logs (Calico/Canal/Cilium etcd datastores): etcd_password, etcd_key and etcd_client_key when inlined (not the *_file path settings), ETCDCTL_PASSWORD, --etcd-password; inlined PEM keys are caught by pem-private-key.',
  trigger: { anyCase: ['etcd'] },
  create() {
    return (line, hit) => (/etcd/i.test(line) ? redactPairs(line, isEtcdSecretName, ID, hit) : line);
  },
});
