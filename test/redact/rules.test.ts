import { describe, expect, it } from 'vitest';
import { redactText } from '../../shared/redact/engine.js';
import { isHarmlessValue, isSensitiveName } from '../../shared/redact/names.js';
import { REDACTION_RULES, REDACTION_RULE_IDS } from '../../shared/redact/rules/index.js';

type Case = [input: string, output: string];

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIiwic3ViIjoic3lzdGVtIn0.c2lnbmF0dXJlX2hlcmVfMTIzNDU2';
const B64_KEY = Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0123456789\n-----END RSA PRIVATE KEY-----\n').toString('base64');
const B64_CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsF\n-----END CERTIFICATE-----\n').toString('base64');

/** Per rule: what it replaces (input → output, counted under that rule). */
const TABLES: Record<string, Case[]> = {
  'pem-private-key': [
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx7+/abc\nZZZZ0123==\n-----END RSA PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----\n<redacted:pem-private-key>\n<redacted:pem-private-key>\n-----END RSA PRIVATE KEY-----'],
    ['  tls.key: |\n    -----BEGIN EC PRIVATE KEY-----\n    MHcCAQEEIBd1234\n    -----END EC PRIVATE KEY-----', '  tls.key: |\n    -----BEGIN EC PRIVATE KEY-----\n    <redacted:pem-private-key>\n    -----END EC PRIVATE KEY-----'],
    ['key=-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXk -----END OPENSSH PRIVATE KEY-----', 'key=-----BEGIN OPENSSH PRIVATE KEY----- <redacted:pem-private-key> -----END OPENSSH PRIVATE KEY-----'],
    ['"k": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"', '"k": "-----BEGIN PRIVATE KEY-----\\n<redacted:pem-private-key>\\n-----END PRIVATE KEY-----\\n"'],
    [`tls.key: ${B64_KEY}`, 'tls.key: <redacted:pem-private-key>'],
    ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----', '-----BEGIN ENCRYPTED PRIVATE KEY-----\n<redacted:pem-private-key>\n<redacted:pem-private-key>\n-----END ENCRYPTED PRIVATE KEY-----'],
  ],
  jwt: [
    [`"token": "${JWT}"`, '"token": "<redacted:jwt>"'],
    [`I1122 request.go:1212] Response Body: {"status":{"token":"${JWT}"}}`, 'I1122 request.go:1212] Response Body: {"status":{"token":"<redacted:jwt>"}}'],
  ],
  'bearer-header': [
    ['curl -H "Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543" https://api', 'curl -H "Authorization: Bearer <redacted:bearer-header>" https://api'],
    ['authorization=Bearer%20abcd1234efgh5678ijkl', 'authorization=Bearer%20<redacted:bearer-header>'],
  ],
  'basic-auth-header': [
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic <redacted:basic-auth-header>'],
    ['"Authorization":["Basic cm9ib3Q6aHVudGVyMg=="]', '"Authorization":["Basic <redacted:basic-auth-header>"]'],
    ['sent Basic cm9ib3Q6aHVudGVyMg== upstream', 'sent Basic <redacted:basic-auth-header> upstream'],
  ],
  'url-credentials': [
    ['etcd_endpoints: https://root:hunter2hunter2@10.0.0.5:2379', 'etcd_endpoints: https://root:<redacted:url-credentials>@10.0.0.5:2379'],
    ['GET https://api/v1/watch?access_token=abcdef123456&container=kube-flannel', 'GET https://api/v1/watch?access_token=<redacted:url-credentials>&container=kube-flannel'],
    ['https://bucket.s3.amazonaws.com/x?X-Amz-Signature=deadbeef00&X-Amz-Expires=300', 'https://bucket.s3.amazonaws.com/x?X-Amz-Signature=<redacted:url-credentials>&X-Amz-Expires=300'],
    ['https://maps.googleapis.com/api?key=abc123def456', 'https://maps.googleapis.com/api?key=<redacted:url-credentials>'],
  ],
  'kubeconfig-credentials': [
    ['    token: kct-8f14e45fceea167a5a36dedd', '    token: <redacted:kubeconfig-credentials>'],
    ['      id-token: abc.def.ghi', '      id-token: <redacted:kubeconfig-credentials>'],
    ['        client-secret: "s3cr3t-value"', '        client-secret: "<redacted:kubeconfig-credentials>"'],
    ['{"users":[{"user":{"token":"opaque-123456789"}}]}', '{"users":[{"user":{"token":"<redacted:kubeconfig-credentials>"}}]}'],
  ],
  'aws-access-key': [
    ['aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws_access_key_id = <redacted:aws-access-key>'],
    ['AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '<redacted:aws-access-key>,<redacted:aws-access-key>'],
    ['aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', 'aws_secret_access_key = "<redacted:aws-access-key>"'],
    ['{"SessionToken": "IQoJb3JpZ2luX2VjEJr//////////wEaCXVz"}', '{"SessionToken": "<redacted:aws-access-key>"}'],
  ],
  'gcp-service-account-key': [
    ['"private_key_id": "0123456789abcdef0123456789abcdef01234567",', '"private_key_id": "<redacted:gcp-service-account-key>",'],
    ['maps key AIzaSyA1234567890abcdefghijklmnopqrstuv in use', 'maps key <redacted:gcp-service-account-key> in use'],
    ['Authorization: ya29.a0AfH6SMBx1234567890abcdefghij', 'Authorization: <redacted:gcp-service-account-key>'],
  ],
  'azure-credentials': [
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFyYmF6==;EndpointSuffix=core.windows.net', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=<redacted:azure-credentials>;EndpointSuffix=core.windows.net'],
    ['  "aadClientSecret": "not-a-path-1234",', '  "aadClientSecret": "<redacted:azure-credentials>",'],
    ['secret abc8Q~abcdefghijklmnopqrstuvwxyz0123456 set', 'secret <redacted:azure-credentials> set'],
  ],
  'known-token-formats': [
    ['clone with ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'clone with <redacted:known-token-formats>'],
    ['webhook xoxb-1234567890-abcdefghij', 'webhook <redacted:known-token-formats>'],
    ['VAULT_TOKEN hvs.CAESIJabcdefghijklmnopqrstuvwx', 'VAULT_TOKEN <redacted:known-token-formats>'],
  ],
  'cni-etcd-credentials': [
    ['  "etcd_password": "etcdpw12345",', '  "etcd_password": "<redacted:cni-etcd-credentials>",'],
    ['ETCDCTL_PASSWORD=etcdpw12345', 'ETCDCTL_PASSWORD=<redacted:cni-etcd-credentials>'],
    ['calico-node --etcd-key=inline-key-material', 'calico-node --etcd-key=<redacted:cni-etcd-credentials>'],
  ],
  'cni-api-credentials': [
    ['Loaded CNI NetConf NetConfg={Type:calico K8sAuthToken:tok987654321 DatastoreType:kubernetes}', 'Loaded CNI NetConf NetConfg={Type:calico K8sAuthToken:<redacted:cni-api-credentials> DatastoreType:kubernetes}'],
    ['"policy": {"type": "k8s", "k8s_auth_token": "tok987654321"}', '"policy": {"type": "k8s", "k8s_auth_token": "<redacted:cni-api-credentials>"}'],
  ],
  'registry-auth': [
    ['      auth = "cm9ib3Q6aHVudGVyMg=="', '      auth = "<redacted:registry-auth>"'],
    ['{"auths":{"reg.example.com":{"auth":"cm9ib3Q6aHVudGVyMg=="}}}', '{"auths":{"reg.example.com":{"auth":"<redacted:registry-auth>"}}}'],
    ['Configs:map[reg:{Auth:&AuthConfig{Username:u,Password:,Auth:cm9ib3Q6aHVudGVy,IdentityToken:idtok123,}}]', 'Configs:map[reg:{Auth:&AuthConfig{Username:u,Password:,Auth:<redacted:registry-auth>,IdentityToken:<redacted:registry-auth>,}}]'],
  ],
  'env-and-config-by-name': [
    ['{"name":"DB_PASSWORD","value":"hunter2hunter2"}', '{"name":"DB_PASSWORD","value":"<redacted:env-and-config-by-name>"}'],
    ['        "name": "API_TOKEN",\n        "value": "tok-123456789"', '        "name": "API_TOKEN",\n        "value": "<redacted:env-and-config-by-name>"'],
    ['  - name: SECRET_KEY\n    value: sk123456789', '  - name: SECRET_KEY\n    value: <redacted:env-and-config-by-name>'],
    ['      API_TOKEN:      apit-123456789', '      API_TOKEN:      <redacted:env-and-config-by-name>'],
    ['    "db-password": "pw123456789",', '    "db-password": "<redacted:env-and-config-by-name>",'],
    ['"settings.yaml": "mtu: 1450\\npassword: inner-secret-1\\nnet: 10.0.0.0/8\\n"', '"settings.yaml": "mtu: 1450\\npassword: <redacted:env-and-config-by-name>\\nnet: 10.0.0.0/8\\n"'],
    ['level=warning msg="login failed" password=lf-12345678 host=r', 'level=warning msg="login failed" password=<redacted:env-and-config-by-name> host=r'],
    ['kubelet --token=abc123456789 --node-ip=10.0.0.5', 'kubelet --token=<redacted:env-and-config-by-name> --node-ip=10.0.0.5'],
    ['  password = "regpass12345"', '  password = "<redacted:env-and-config-by-name>"'],
    ['Envs:[&KeyValue{Key:DB_PASSWORD,Value:hunter2,}]', 'Envs:[&KeyValue{Key:DB_PASSWORD,Value:<redacted:env-and-config-by-name>,}]'],
    ['{"key":"MY_SECRET","value":"s3cr3t"}', '{"key":"MY_SECRET","value":"<redacted:env-and-config-by-name>"}'],
    ['ssh-privatekey: |\n  line-one-of-the-key\n  line-two\nnext: 1', 'ssh-privatekey: |\n  <redacted:env-and-config-by-name>\n  <redacted:env-and-config-by-name>\nnext: 1'],
    ['  "password": 12345678x,', '  "password": "<redacted:env-and-config-by-name>",'],
  ],
};

/** Look-alikes that every rule must leave alone: the analyzer needs them. */
const SURVIVORS: string[] = [
  'podSandboxID="f33ee2f936c98c3764cdbcc1e0beeb83b60580e60507932e07bc882210906844"',
  '-rwxr-xr-x 1 0 0 2901013 2026-11-20 08:14:03.512000000 +0000 bridge\tsha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\tversion={"cniVersion":"1.0.0"}',
  `{"kind":"cniCacheV1","containerId":"f33ee2f9","config":"${Buffer.from('{"name":"cbr0","type":"flannel","subnet":"10.244.1.0/24"}').toString('base64')}","ifName":"eth0"}`,
  '"uid": "96603d4d-fddd-0a0c-5450-8001fb4ef027",',
  'inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0',
  'inet6 fd00:10:244:1::1/64 scope global',
  'mtu 1450 qdisc noqueue master cni0 state UP',
  '{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"type":"flannel","delegate":{"hairpinMode":true}}]}',
  `    client-certificate-data: ${B64_CERT}`,
  '-----BEGIN CERTIFICATE-----',
  '  "etcd_key_file": "/etc/calico/certs/key.pem",',
  '  "etcd_cert_file": "/etc/calico/certs/cert.pem",',
  '    kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
  '        - key: node.kubernetes.io/not-ready',
  '{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}',
  '        "secretName": "db-credentials",',
  '          "secretKeyRef": {"name": "db", "key": "password"}',
  '      DB_PASSWORD:    <set to the key \'password\' in secret \'db\'>  Optional: false',
  '    "tokenExpirationSeconds": 3607,',
  '      "path": "token"',
  '  "passwordFile": "/run/secrets/pw",',
  'time="2026-11-22T10:28:01Z" level=info msg="loading plugin \\"io.containerd.grpc.v1.cri\\"..." type=io.containerd.grpc.v1',
  'E1122 10:28:01 flannel CLI flags config: {etcdKeyfile: etcdCertfile: etcdPassword: version:false kubeSubnetMgr:true}',
  'Bearer tokens are rotated hourly',
  'DefaultEndpointsProtocol=https;AccountName=acct;EndpointSuffix=core.windows.net',
  'podCIDR: 10.244.1.0/24   FLANNEL_SUBNET=10.244.1.1/24 FLANNEL_MTU=1450 FLANNEL_IPMASQ=true',
  '--cluster-cidr=10.244.0.0/16 --service-account-key-file=/etc/kubernetes/pki/sa.pub',
  '    - name: DB_HOST\n      value: db.default.svc',
];

describe('redaction rules', () => {
  it('has one file, one id and a description per rule, and every rule is tested here', () => {
    expect(new Set(REDACTION_RULE_IDS).size).toBe(REDACTION_RULES.length);
    for (const rule of REDACTION_RULES) expect(rule.description.length).toBeGreaterThan(40);
    expect(Object.keys(TABLES).sort()).toEqual([...REDACTION_RULE_IDS].sort());
  });

  for (const [rule, cases] of Object.entries(TABLES)) {
    describe(rule, () => {
      it.each(cases)('%s', (input, output) => {
        const result = redactText(input);
        expect(result.text).toBe(output);
        const expected = (output.match(new RegExp(`<redacted:${rule}>`, 'g')) ?? []).length;
        expect(result.counts[rule] ?? 0).toBeGreaterThanOrEqual(expected > 0 ? 1 : 0);
        expect(Object.keys(result.counts)).toContain(rule);
      });
    });
  }

  it.each(SURVIVORS.map((s) => [s]))('leaves a look-alike alone: %s', (text) => {
    const result = redactText(text);
    expect(result.text).toBe(text);
    expect(result.counts).toEqual({});
  });

  it('decodes a base64 CNI cache config, redacts inside, and re-encodes it', () => {
    const config = Buffer.from('{"type":"calico","etcd_password":"etcdpw12345","subnet":"10.244.0.0/24"}').toString('base64');
    const result = redactText(`{"kind":"cniCacheV1","config":"${config}"}`);
    const out = /"config":"([^"]+)"/.exec(result.text)![1]!;
    expect(Buffer.from(out, 'base64').toString()).toBe('{"type":"calico","etcd_password":"<redacted:cni-etcd-credentials>","subnet":"10.244.0.0/24"}');
    expect(result.counts).toEqual({ 'cni-etcd-credentials': 1 });
  });

  it('reaches through JSON inside a JSON string (the last-applied annotation)', () => {
    const annotation = JSON.stringify(JSON.stringify({ data: { 'api-token': 'tok-123456789', mtu: '1450' } }));
    const result = redactText(`"kubectl.kubernetes.io/last-applied-configuration": ${annotation}`);
    expect(JSON.parse(JSON.parse(result.text.split(': ').slice(1).join(': ')))).toEqual({ data: { 'api-token': '<redacted:env-and-config-by-name>', mtu: '1450' } });
  });

  it('keeps every redacted JSON document valid JSON', () => {
    const doc = JSON.stringify({ env: [{ name: 'DB_PASSWORD', value: 'x1' }], password: 'p', nested: { token: 'y', count: 3, k8s_auth_token: 'z' }, note: 'Authorization: Bearer abcdefgh12345678' }, null, 2);
    const out = redactText(doc).text;
    expect(() => JSON.parse(out)).not.toThrow();
    expect(out).not.toMatch(/"x1"|"p"|"y"|"z"|abcdefgh12345678/);
  });
});

describe('secret names and harmless values', () => {
  it.each([
    ['AWS_SECRET_ACCESS_KEY', true], ['dbPassword', true], ['client-key-data', true], ['tls.key', true], ['api_key', true], ['TOKEN', true],
    ['key', false], ['monkey', false], ['secretName', false], ['passwordFile', false], ['secretKeyRef', false], ['tokenPath', false],
    ['publicKey', false], ['tokenExpirationSeconds', false], ['keyName', false], ['name', false],
  ])('%s → %s', (name, sensitive) => {
    expect(isSensitiveName(name)).toBe(sensitive);
  });

  it.each([['/etc/calico/key.pem', true], ['$(DB_PASSWORD)', true], ['true', true], ['1450', true], ['<redacted:jwt>', true], ['', true], ['hunter2', false], ['/etc?token=x', false]])('%s harmless → %s', (value, harmless) => {
    expect(isHarmlessValue(value)).toBe(harmless);
  });
});

describe('docs/redaction.md', () => {
  it('lists every rule', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/redaction.md', import.meta.url), 'utf8');
    for (const id of REDACTION_RULE_IDS) expect(doc).toContain(`| \`${id}\` |`);
  });
});
