import { nameIn, redactPairs } from '../pairs.js';
import { defineRule } from '../rule.js';

const ID = 'cni-api-credentials';
// Calico's CNI NetConf (policy.k8s_auth_token, kubernetes.k8s_client_key), printed whole in its
// cni.log at debug level and by calico-node, and the agents' own API credentials.
const isApiCredential = nameIn([
  'k8s_auth_token', 'k8s_client_key', 'k8s_client_key_data', 'K8sAuthToken', 'K8sClientKey', 'kube_api_token', 'kubernetes_token', 'typha_token', 'felix_token', 'cilium_k8s_token', 'KUBERNETES_SERVICE_TOKEN', 'kvstore_password',
  'clustermesh_password', 'hubble_token', 'aws_vpc_k8s_cni_token',
]);

export default defineRule({
  id: ID,
  description: 'Kubernetes API credentials that CNI plugins and agents carry and print: Calico\'s k8s_auth_token / k8s_client_key in NetConf JSON and its Go-printed form (K8sAuthToken:…), typha / felix / Cilium kvstore and clustermesh passwords.',
  trigger: { anyCase: ['token', 'key', 'password'] },
  create() {
    return (line, hit) => (/token|key|password/i.test(line) ? redactPairs(line, isApiCredential, ID, hit) : line);
  },
});
