/**
 * The leak-test corpus: the flannel-cni0-conflict sample (so it has a real diagnosis) with
 * secrets of many kinds seeded through every kind of artifact: journals, CNI configs and a
 * kubeconfig in net.d, the libcni cache (base64), ConfigMaps (data keys, embedded YAML, the
 * last-applied annotation), env in pod JSON, describe text, CNI agent and plugin logs, CRI info,
 * the runtime config, and the manifest itself (argv, stderr).
 */
import { randomBytes } from 'node:crypto';
import flannelCni0Conflict from '../../samples/recipes/flannel-cni0-conflict.sample.js';
import { SampleKit } from '../../samples/recipes/kit.js';

export interface SeededSecret {
  kind: string;
  /** The secret text as it appears in the bundle. */
  value: string;
  /** Characters at the start that are a public format prefix (a JWT header, the base64 of "-----BEGIN"), not secret. */
  publicPrefix?: number;
  /** Characters at the end that are public likewise (the base64 of "-----END … KEY-----"). */
  publicSuffix?: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function rand(length: number, alphabet = ALNUM): string {
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
  return out;
}
const b64url = (text: string) => Buffer.from(text).toString('base64url');

export interface Corpus {
  kit: SampleKit;
  secrets: SeededSecret[];
  /** Extra argv for the manifest request (a --token flag). */
  description: string;
}

export function buildCorpus(): Corpus {
  const secrets: SeededSecret[] = [];
  const seed = (kind: string, value: string, publicPrefix?: number, publicSuffix?: number) => {
    secrets.push({ kind, value, ...(publicPrefix !== undefined ? { publicPrefix } : {}), ...(publicSuffix !== undefined ? { publicSuffix } : {}) });
    return value;
  };
  const header = b64url('{"alg":"RS256","kid":"k1"}');
  const jwt = seed('service-account JWT', `${header}.${b64url(`{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:kube-system:${rand(24)}"}`)}.${rand(86, `${ALNUM}-_`)}`, header.length + 1);
  const kubeconfigToken = seed('kubeconfig token', `kct-${rand(40)}`);
  const pemBody = rand(64, `${ALNUM}+/`);
  seed('PEM private key body (first line)', pemBody.slice(0, 32));
  const clientKeyB64 = Buffer.from(`-----BEGIN RSA PRIVATE KEY-----\n${rand(90, `${ALNUM}+/`)}\n-----END RSA PRIVATE KEY-----\n`).toString('base64');
  seed('kubeconfig client-key-data', clientKeyB64, 44, 48);
  const inlinePem = rand(60, `${ALNUM}+/`);
  seed('PEM key inside a JSON string (GCP key file)', inlinePem);
  const gcpKeyId = seed('GCP private_key_id', rand(40, '0123456789abcdef'));
  const gcpApiKey = seed('GCP API key', `AIza${rand(35, `${ALNUM}_-`)}`, 4);
  const awsKeyId = seed('AWS access key id', `AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, 4);
  const awsSecret = seed('AWS secret access key', rand(40, `${ALNUM}/+`));
  const azureAccountKey = seed('Azure storage AccountKey', `${rand(86, `${ALNUM}+/`)}==`);
  const azureClientSecret = seed('Azure client secret', `${rand(3)}8Q~${rand(34, `${ALNUM}_~.-`)}`);
  const basicUser = 'svc-puller';
  const basicPass = rand(20);
  const basic = seed('basic-auth header', Buffer.from(`${basicUser}:${basicPass}`).toString('base64'));
  const urlPassword = seed('password in a URL', rand(24));
  const queryToken = seed('token in a URL query', rand(32));
  const etcdPassword = seed('etcd_password in a CNI config', `etcd-${rand(24)}`);
  const cachedEtcdPassword = seed('etcd password only in the base64 CNI cache', `cached-${rand(24)}`);
  const calicoToken = seed('Calico k8s_auth_token in the CNI log', `calico-${rand(32)}`);
  const dbPassword = seed('env DB_PASSWORD in pod JSON', `db-${rand(28)}`);
  const apiToken = seed('env API_TOKEN in describe text', `apit-${rand(28)}`);
  const cmPassword = seed('ConfigMap data key db-password', `cm-${rand(28)}`);
  const cmYamlSecret = seed('ConfigMap embedded YAML secret', `yaml-${rand(28)}`);
  const annotationKey = seed('ConfigMap last-applied annotation apiKey', `ann-${rand(28)}`);
  const registryPassword = seed('containerd registry password', `reg-${rand(28)}`);
  const registryAuth = seed('containerd registry auth', Buffer.from(`robot:${rand(24)}`).toString('base64'));
  const criIdentityToken = seed('CRI info registry identitytoken', `idt-${rand(28)}`);
  const githubToken = seed('GitHub token', `ghp_${rand(36)}`, 4);
  const logfmtPassword = seed('logfmt password=', `lf-${rand(28)}`);
  const kvstorePassword = seed('Cilium kvstore password', `kv-${rand(28)}`);
  const argvToken = seed('--token in the manifest argv', `argv-${rand(28)}`);
  const stderrSecret = seed('Bearer token in a stderr excerpt', `${rand(30)}9`);
  const tlsKeyBlock = rand(64, `${ALNUM}+/`);
  seed('YAML block scalar tls.key', tlsKeyBlock);

  const kit = new SampleKit();
  flannelCni0Conflict.build(kit);
  const node2 = kit.node('node-2');
  const node1 = kit.node('node-1');

  // Journals.
  node2.kubelet.push(node2.klog(30, 'I', 'round_trippers.go:466', `curl -v -XGET -H "Authorization: Bearer ${jwt}" 'https://192.168.56.10:6443/api/v1/nodes/node-2'`));
  node2.kubelet.push(node2.klog(29, 'I', 'image.go:101', `"Pulling image" image="ghcr.io/acme/web:1.4" auth="token ${githubToken}"`));
  node2.containerd.push(node2.containerdLine(28, 'info', `trying next host with Authorization: Basic ${basic}`));
  node2.containerd.push(node2.containerdLine(27, 'warning', `mirror login failed user=svc password=${logfmtPassword} host=registry.acme.example`));
  node1.kubelet.push(node1.klog(26, 'I', 'aws.go:40', `using AWS_ACCESS_KEY_ID=${awsKeyId} for ECR`));

  // net.d: a Calico-style conflist with etcd credentials, and its kubeconfig.
  node1.netD.set(
    '20-calico.conflist.disabled',
    `${JSON.stringify(
      {
        name: 'k8s-pod-network',
        cniVersion: '0.3.1',
        plugins: [{ type: 'calico', etcd_endpoints: `https://root:${urlPassword}@192.168.56.10:2379`, etcd_password: etcdPassword, etcd_key_file: '/etc/calico/certs/key.pem', policy: { type: 'k8s' }, kubernetes: { kubeconfig: '/etc/cni/net.d/calico-kubeconfig' } }],
      },
      null,
      2,
    )}\n`,
  );
  node1.set(
    'cni/net.d/calico-kubeconfig',
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: local',
      '  cluster:',
      '    server: https://10.96.0.1:443',
      '    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=',
      'users:',
      '- name: calico',
      '  user:',
      `    token: ${kubeconfigToken}`,
      `    client-key-data: ${clientKeyB64}`,
      'contexts:',
      '- name: calico-context',
      '  context:',
      '    cluster: local',
      '    user: calico',
      'current-context: calico-context',
      '',
    ].join('\n'),
    { kind: 'file', path: '/etc/cni/net.d/calico-kubeconfig' },
  );

  // libcni cache: the cached config is base64, and holds a password nothing else shows.
  const cachedConfig = Buffer.from(JSON.stringify({ cniVersion: '0.3.1', name: 'cbr0', type: 'calico', etcd_password: cachedEtcdPassword, ipam: { type: 'host-local', subnet: '10.244.0.0/24' } })).toString('base64');
  const pod = node1.pods[0]!;
  node1.set(
    `cni/results/cbr0-${pod.sandboxId}-eth0`,
    JSON.stringify({ kind: 'cniCacheV1', containerId: pod.sandboxId, config: cachedConfig, ifName: 'eth0', networkName: 'cbr0', cniArgs: [['K8S_POD_NAMESPACE', pod.namespace], ['K8S_POD_NAME', pod.name], ['K8S_POD_INFRA_CONTAINER_ID', pod.sandboxId]], result: { cniVersion: '0.3.1', ips: [{ address: `${pod.ip}/24`, gateway: node1.gateway }] } }),
    { kind: 'file', path: `/var/lib/cni/results/cbr0-${pod.sandboxId}-eth0` },
  );

  // The CNI plugin's own log (Calico prints its NetConf) and agent logs.
  node1.set('logs/calico/cni/cni.log', `2026-11-22 10:28:01.123 [INFO][3012] plugin.go 107: Loaded CNI NetConf NetConfg={Name:k8s-pod-network CNIVersion:0.3.1 Type:calico EtcdEndpoints: K8sAuthToken:${calicoToken} DatastoreType:kubernetes}\n2026-11-22 10:28:01.200 [INFO][3012] k8s.go 61: Calico CNI fetching podCidr from Kubernetes url="https://10.96.0.1:443/api?access_token=${queryToken}"\n`, { kind: 'file', path: '/var/log/calico/cni/cni.log' });
  kit.clusterFiles.set('cluster/logs/kube-system/cilium-x7k2p/cilium-agent.log', {
    text: `level=info msg="Started clustermesh" kvstore_password=${kvstorePassword} subsys=clustermesh\nlevel=info msg="Using Google Maps key" key=${gcpApiKey} subsys=daemon\n`,
    source: { kind: 'api', method: 'GET', path: '/api/v1/namespaces/kube-system/pods/cilium-x7k2p/log?container=cilium-agent' },
  });

  // Pod JSON: env with literal secrets (pretty-printed, name and value on separate lines).
  const stuck = kit.stuckPod;
  const container = (stuck.spec as { containers: { env?: unknown[] }[] }).containers[0]!;
  container.env = [
    { name: 'DB_PASSWORD', value: dbPassword },
    { name: 'AWS_SECRET_ACCESS_KEY', value: awsSecret },
    { name: 'LOG_LEVEL', value: 'debug' },
    { name: 'DB_PASSWORD_FILE', value: '/var/run/secrets/db/password' },
  ];

  // describe text.
  kit.clusterFiles.set('cluster/describe/default/web-7r2rngql75-6w8j6.txt', {
    text: `Name:             web-7r2rngql75-6w8j6\nNamespace:        default\nNode:             node-2/192.168.56.12\nStatus:           Pending\nContainers:\n  app:\n    Image:      nginx:1.27\n    Environment:\n      API_TOKEN:      ${apiToken}\n      DB_HOST:        db.default.svc\n      DB_PASSWORD:    <set to the key 'password' in secret 'db'>  Optional: false\n`,
    source: { kind: 'derived', from: ['cluster/pods.json', 'cluster/events.json'] },
  });

  // ConfigMaps: a secret-named key, YAML inside a value, a PEM block, a GCP key file, a connection string, last-applied.
  const data = {
    'db-password': cmPassword,
    'settings.yaml': `mtu: 1450\nbackend: vxlan\npassword: ${cmYamlSecret}\nnetwork: 10.244.0.0/16\n`,
    'tls.key': `-----BEGIN EC PRIVATE KEY-----\n${tlsKeyBlock}\n-----END EC PRIVATE KEY-----\n`,
    'sa.json': JSON.stringify({ type: 'service_account', project_id: 'acme-prod', private_key_id: gcpKeyId, private_key: `-----BEGIN PRIVATE KEY-----\n${inlinePem}\n-----END PRIVATE KEY-----\n`, client_email: 'cni@acme-prod.iam.gserviceaccount.com' }),
    'storage': `DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${azureAccountKey};EndpointSuffix=core.windows.net`,
  };
  const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cni-config', namespace: 'kube-system' }, data: { apiKey: annotationKey, mtu: '1450' } });
  kit.clusterFiles.set('cluster/configmaps/kube-system/cni-config.json', {
    text: `${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cni-config', namespace: 'kube-system', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }, data }, null, 2)}\n`,
    source: { kind: 'api', method: 'GET', path: '/api/v1/namespaces/kube-system/configmaps/cni-config' },
  });

  // A PEM key file the runtime was pointed at.
  node1.set('runtime/etcd-client.key', `-----BEGIN RSA PRIVATE KEY-----\n${pemBody.slice(0, 32)}\n${pemBody.slice(32)}\n-----END RSA PRIVATE KEY-----\n`, { kind: 'file', path: '/etc/calico/certs/key.pem' });
  seed('PEM private key body (second line)', pemBody.slice(32));

  // The runtime's config and CRI info: registry credentials and an AKS-style cloud config.
  node2.set(
    'runtime/containerd-config-dump.toml',
    `version = 2\nroot = "/var/lib/containerd"\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.10"\n    [plugins."io.containerd.grpc.v1.cri".cni]\n      bin_dir = "/opt/cni/bin"\n      conf_dir = "/etc/cni/net.d"\n    [plugins."io.containerd.grpc.v1.cri".registry.configs."registry.acme.example".auth]\n      username = "robot"\n      password = "${registryPassword}"\n      auth = "${registryAuth}"\n`,
    { kind: 'command', argv: ['containerd', 'config', 'dump'] },
    { exitCode: 0 },
  );
  node2.set(
    'cri/info.json',
    `${JSON.stringify({ status: { conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: true }] }, config: { sandboxImage: 'registry.k8s.io/pause:3.10', cni: { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d' }, registry: { configs: { 'registry.acme.example': { auth: { username: 'robot', identitytoken: criIdentityToken } } } } }, lastCNILoadStatus: 'OK' }, null, 2)}\n`,
    { kind: 'command', argv: ['crictl', 'info'] },
    { exitCode: 0 },
  );
  node2.set('runtime/azure.json', `{\n  "cloud": "AzurePublicCloud",\n  "aadClientId": "0c8e6f4e-1f2a-4b7c-9d3e-5a6b7c8d9e0f",\n  "aadClientSecret": "${azureClientSecret}",\n  "vnetName": "aks-vnet"\n}\n`, { kind: 'file', path: '/etc/kubernetes/azure.json' });
  // A command whose stderr carries a bearer token (kept in the manifest's stderrExcerpt).
  node2.set('system/dmesg.txt', '[    0.000000] Linux version 6.8.0-48-generic\n', { kind: 'command', argv: ['dmesg', '-T'] }, { stderr: `warning: proxy sent Authorization: Bearer ${stderrSecret}` });

  return { kit, secrets, description: `leak corpus --token ${argvToken}` };
}
