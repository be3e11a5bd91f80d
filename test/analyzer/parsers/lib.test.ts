import { describe, expect, it } from 'vitest';
import { extractFacts } from '../../../analyzer/parsers/lib/facts.js';
import { parseJsonDocument, lineOfPath } from '../../../analyzer/parsers/lib/json.js';
import { parseKlogBody, parseKlogHeader } from '../../../analyzer/parsers/lib/klog.js';
import { parseLogfmt, peekLogfmtValue, unquoteGo } from '../../../analyzer/parsers/lib/logfmt.js';
import { normalizeTimestamp, isoFromMonthDay, referenceOf } from '../../../analyzer/parsers/lib/time.js';
import { isIPv4, isIPv6 } from '../../../analyzer/parsers/lib/net.js';

describe('logfmt', () => {
  it.each([
    ['containerd line (lab)', 'time="2026-11-22T10:28:52.876026583Z" level=warning msg="failed to load plugin io.containerd.snapshotter.v1.devmapper" error="devmapper not configured"', { time: '2026-11-22T10:28:52.876026583Z', level: 'warning', msg: 'failed to load plugin io.containerd.snapshotter.v1.devmapper', error: 'devmapper not configured' }, false],
    ['escaped quotes and a nested logfmt string (lab line 85)', 'level=warning msg="cleanup warnings time=\\"2026-11-22T10:28:55Z\\" level=info msg=\\"starting signal loop\\" namespace=k8s.io pid=15465 runtime=io.containerd.runc.v2\\n"', { level: 'warning', msg: 'cleanup warnings time="2026-11-22T10:28:55Z" level=info msg="starting signal loop" namespace=k8s.io pid=15465 runtime=io.containerd.runc.v2\n' }, false],
    ['bare values', 'level=info msg=serving... address=/tmp/lab/ctd2/containerd.sock', { level: 'info', msg: 'serving...', address: '/tmp/lab/ctd2/containerd.sock' }, false],
    ['cut off in a quoted value', 'level=error msg="RunPodSandbox for', { level: 'error', msg: 'RunPodSandbox for' }, true],
    ['bare word', 'level=info standalone', { level: 'info', standalone: '' }, false],
  ])('%s', (_n, line, fields, truncated) => {
    const out = parseLogfmt(line);
    expect(out.fields).toEqual(fields);
    expect(out.truncated).toBe(truncated);
  });

  it.each([
    ['"a\\tb\\u00e9\\x41"', 'a\tbéA'],
    ['"\\U0001F600"', '😀'],
    ['"unterminated', 'unterminated'],
  ])('unquoteGo %s', (s, value) => {
    expect(unquoteGo(s, 0).value).toBe(value);
  });

  it('peek finds level without decoding', () => {
    expect(peekLogfmtValue('time="x y" level=error msg="z"', 'level')).toBe('error');
    expect(peekLogfmtValue('time="x" msg="level=info"', 'level')).toBeUndefined();
  });
});

describe('klog', () => {
  it('header by position', () => {
    expect(parseKlogHeader('E1122 10:24:51.771203     901 remote_runtime.go:176] "x"')).toEqual({
      letter: 'E', severity: 'error', month: 11, day: 22, clock: '10:24:51.771203', threadId: 901, source: 'remote_runtime.go:176', bodyStart: 53,
    });
  });

  it.each([
    ['not klog', 'Error: something'],
    ['letter without digits', 'Ixxxx 10:24:51.771203 1 a.go:1] x'],
    ['no source bracket', 'I1122 10:24:51.771203     901 remote_runtime.go:176 x'],
  ])('rejects %s', (_n, line) => {
    expect(parseKlogHeader(line)).toBeUndefined();
  });

  it.each([
    ['structured with escaped quotes', '"RunPodSandbox from runtime service failed" err="rpc error: \\"d3c5\\"" podSandboxID="d3c5"', { message: 'RunPodSandbox from runtime service failed', fields: { err: 'rpc error: "d3c5"', podSandboxID: 'd3c5' }, structured: true }],
    ['struct values with spaces', '"Failed to stop sandbox" podSandboxID={"Type":"containerd","ID":"e0f6"} obj={Name:a B:c}', { message: 'Failed to stop sandbox', fields: { podSandboxID: '{"Type":"containerd","ID":"e0f6"}', obj: '{Name:a B:c}' }, structured: true }],
    ['multi-line value opener', '"RunPodSandbox from runtime service failed" err=<', { message: 'RunPodSandbox from runtime service failed', fields: { err: '' }, structured: true, openKey: 'err' }],
    ['unstructured', 'Error deleting network: context deadline exceeded', { message: 'Error deleting network: context deadline exceeded', fields: {}, structured: false }],
    ['quoted start that is not structured', '"cni0" already has an IP address', { message: '"cni0" already has an IP address', fields: {}, structured: false }],
  ])('body: %s', (_n, body, expected) => {
    expect(parseKlogBody(body, 0)).toEqual(expected);
  });
});

describe('timestamps', () => {
  it.each([
    ['2026-11-22T10:24:51.771203443Z', '2026-11-22T10:24:51.771203443Z'],
    ['2026-11-22T09:33:21+0000', '2026-11-22T09:33:21.000Z'],
    ['2026-11-22T09:33:21.5+01:00', '2026-11-22T08:33:21.500Z'],
    ['2021-01-25 16:45:10.209171978Z', '2021-01-25T16:45:10.209171978Z'],
    ['2023-05-01 12:00:00.000', '2023-05-01T12:00:00.000Z'],
    ['2026-02-30T00:00:00Z', undefined],
    ['yesterday', undefined],
  ])('%s', (text, iso) => {
    expect(normalizeTimestamp(text)).toBe(iso);
  });

  it('month-day times resolve their year against the reference, rolling back over New Year', () => {
    expect(isoFromMonthDay(12, 31, '23:59:59', referenceOf('2027-01-02T00:00:00Z'))).toBe('2026-12-31T23:59:59.000Z');
    expect(isoFromMonthDay(1, 1, '00:00:01', referenceOf('2027-01-02T00:00:00Z'))).toBe('2027-01-01T00:00:01.000Z');
    expect(isoFromMonthDay(1, 1, '00:00:01', undefined)).toBeUndefined();
  });
});

describe('JSON scanner', () => {
  it.each([
    ['{"a":1,', 1, 8, 'unexpected end of JSON input'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}' after property value"],
    ['{"a": [1, 2,]}', 1, 13, 'trailing comma'],
    ['{"a": "x\ny"}', 1, 9, 'control character in string'],
    ['{a: 1}', 1, 2, 'expected a double-quoted property name'],
    ['{"a": tru}', 1, 7, 'invalid literal'],
    ['', 1, 1, 'unexpected end of JSON input'],
  ])('%j fails at line %i column %i', (text, line, column, message) => {
    const doc = parseJsonDocument(text);
    expect(doc.error).toMatchObject({ line, column });
    expect(doc.error!.message).toContain(message);
    expect(doc.value).toBeUndefined();
  });

  it('locates requested paths and reports trailing text', () => {
    const text = '{\n  "items": [\n    {"metadata": {"name": "a"}},\n    {\n      "metadata": {\n        "name": "b"\n      }\n    }\n  ]\n}\nextra';
    const doc = parseJsonDocument(text, [['items', '*', 'metadata', 'name']]);
    expect(lineOfPath(doc, ['items', 0, 'metadata', 'name'])).toBe(3);
    expect(lineOfPath(doc, ['items', 1, 'metadata', 'name'])).toBe(6);
    expect(lineOfPath(doc, ['items', 2, 'metadata', 'name'], 99)).toBe(99);
    expect(doc.trailing).toMatchObject({ line: 11, column: 1, text: 'extra' });
    expect(doc.value).toEqual({ items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
  });

  it('deep nesting is an error, not a stack overflow', () => {
    const doc = parseJsonDocument('['.repeat(5000));
    expect(doc.error!.message).toBe('nesting too deep');
  });
});

describe('facts', () => {
  it.each([
    ['CRI-O sandbox name and ID (Siemens-Healthineers/K2s#511)', 'failed to create pod network sandbox k8s_traefik-6479f6fff4-qhctl_traefik_522bf2e3-f7d2-40a7-892e-2131c5016f36_0(c0935cf26e4fb6f99157a6e5ae7570937d098307e1e54a86c1aa7a9b258a45a4): error adding pod traefik_traefik-6479f6fff4-qhctl to CNI network "cbr0": plugin type="flannel" failed (add): failed to delegate add', {
      sandboxIds: ['c0935cf26e4fb6f99157a6e5ae7570937d098307e1e54a86c1aa7a9b258a45a4'], pod: { namespace: 'traefik', name: 'traefik-6479f6fff4-qhctl', uid: '522bf2e3-f7d2-40a7-892e-2131c5016f36' }, cniPluginType: 'flannel', cniOp: 'add',
    }],
    ['pod_workers pod with uid (kubernetes/minikube#12928)', 'failed to "CreatePodSandbox" for "coredns-78fcd69978-rnpww_kube-system(4446202f-a6a4-466b-bfda-b6cfbc909d43)" with CreatePodSandboxError', {
      sandboxIds: [], pod: { namespace: 'kube-system', name: 'coredns-78fcd69978-rnpww', uid: '4446202f-a6a4-466b-bfda-b6cfbc909d43' },
    }],
    ['dockershim set up pod "name_ns" network (cilium/cilium#11497)', 'failed to set up sandbox container "714c344d50ba1fb5d26059dec35cccb2fdd2b46dcca90f5de9aad2703b235202" network for pod "app2-b58dc9b5c-hfkg5": NetworkPlugin cni failed to set up pod "app2-b58dc9b5c-hfkg5_default" network: failed to find plugin "cilium-cni" in path [/home/kubernetes/bin]', {
      sandboxIds: ['714c344d50ba1fb5d26059dec35cccb2fdd2b46dcca90f5de9aad2703b235202'], pod: { namespace: 'default', name: 'app2-b58dc9b5c-hfkg5' },
    }],
    ['KillPodSandbox "for <pod uid>" is not a sandbox (containerd/containerd#8197)', 'failed to "KillPodSandbox" for "a7ea2280-7361-4329-8566-89975485b20e" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399\\": failed to get network \\"aws-cni\\" cached result"', {
      sandboxIds: ['4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399'],
    }],
    ['a results path (coreweave/kubernetes-cloud#253)', 'failed to set network "cni-loopback" cached result: write /var/lib/cni/results/cni-loopback-269ccb6246354dd1910e6663193fca536256b674627105596ebe56aab76daad1-lo: no space left on device', {
      sandboxIds: ['269ccb6246354dd1910e6663193fca536256b674627105596ebe56aab76daad1'],
    }],
    ['single-quoted ids (rancher/rke2#4385)', "failed to setup network for sandbox '09c746c57ac7b1075c6f94befcf1d4994e9e9847c3fadddc4530fe2dbf7b9003': plugin type='calico' failed (add): failed to allocate for range 0", {
      sandboxIds: ['09c746c57ac7b1075c6f94befcf1d4994e9e9847c3fadddc4530fe2dbf7b9003'], cniPluginType: 'calico', cniOp: 'add',
    }],
  ])('%s', (_n, text, expected) => {
    expect(extractFacts([text])).toEqual(expected);
  });
});

describe('addresses', () => {
  it.each([
    ['10.244.1.2', true, false], ['10.244.1.256', false, false], ['010.1.1.1', false, false],
    ['fd00:10:244:1::5', false, true], ['::1', false, true], ['::ffff:10.0.0.1', false, true], ['1::2::3', false, false], ['last_reserved_ip.0', false, false],
  ])('%s', (s, v4, v6) => {
    expect([isIPv4(s), isIPv6(s)]).toEqual([v4, v6]);
  });
});
