import { describe, expect, it } from 'vitest';
import { cniConfigParser, type CniConfigFlags, type CniConfigIssueCode } from '../../../analyzer/parsers/cni-config.js';
import { fixture } from './helpers.js';

const FLANNEL_CONFLIST = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`;

const CALICO_CONFLIST = `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "node-1",
      "mtu": 0,
      "ipam": {
          "type": "calico-ipam"
      },
      "policy": {
          "type": "k8s"
      },
      "kubernetes": {
          "kubeconfig": "/etc/cni/net.d/calico-kubeconfig"
      }
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    },
    {
      "type": "bandwidth",
      "capabilities": {"bandwidth": true}
    }
  ]
}`;

function flagsSet(flags: CniConfigFlags): string[] {
  return Object.entries(flags).filter(([, v]) => v).map(([k]) => k).sort();
}

describe('cni-config: what the config says', () => {
  it('lab 20-tiny.conf: a single bridge plugin with a one-address range', () => {
    const { records, problems } = cniConfigParser.parse(fixture('20-tiny.conf'), 'nodes/n1/cni/net.d/20-tiny.conf');
    expect(problems).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'cni-config', file: 'nodes/n1/cni/net.d/20-tiny.conf', line: 0, fileName: '20-tiny.conf', extension: 'conf',
      loadedByLibcni: true, shape: 'conf', name: 'tiny', cniVersion: '1.0.0', pluginTypes: ['bridge'], issues: [],
    });
    expect(records[0]!.plugins[0]).toMatchObject({
      index: 0, line: 1, type: 'bridge', bridge: 'cni1', isGateway: true, ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.10', rangeEnd: '10.99.0.10' }]], routes: ['0.0.0.0/0'] },
    });
  });

  it('lab flannel delegate: MTU, ipMasq false, routes to the cluster network', () => {
    const rec = cniConfigParser.parse(fixture('flannel-delegate-1.conf'), 'flannel-delegate-1.conf').records[0]!;
    expect(rec.plugins[0]).toMatchObject({ type: 'bridge', bridge: 'cni0', mtu: 1450, ipMasq: false, isGateway: true, isDefaultGateway: true, hairpinMode: true, ipam: { type: 'host-local', routes: ['10.244.0.0/16'] } });
    expect(rec.plugins[0]!.ipam).not.toHaveProperty('subnet');
    expect(rec.plugins[0]!.ipam!.ranges).toEqual([[{ subnet: '10.244.1.0/24' }]]);
  });

  it('kube-flannel conflist: plugin lines point at each "type"', () => {
    const rec = cniConfigParser.parse(FLANNEL_CONFLIST, 'nodes/n1/cni/net.d/10-flannel.conflist').records[0]!;
    expect(rec).toMatchObject({ shape: 'conflist', extension: 'conflist', name: 'cbr0', cniVersion: '0.3.1', pluginTypes: ['flannel', 'portmap'], issues: [] });
    expect(rec.plugins.map((p) => [p.type, p.line, p.delegateTypes, p.capabilities])).toEqual([
      ['flannel', 6, ['bridge'], []],
      ['portmap', 13, [], ['portMappings']],
    ]);
  });

  it('calico conflist: kubeconfig path, log file, calico-ipam', () => {
    const rec = cniConfigParser.parse(CALICO_CONFLIST, '10-calico.conflist').records[0]!;
    expect(rec.kubeconfigPaths).toEqual(['/etc/cni/net.d/calico-kubeconfig']);
    expect(rec.pluginTypes).toEqual(['calico', 'portmap', 'bandwidth']);
    expect(rec.plugins[0]).toMatchObject({ line: 6, kubeconfig: '/etc/cni/net.d/calico-kubeconfig', logFile: '/var/log/calico/cni/cni.log', mtu: 0, ipam: { type: 'calico-ipam' } });
    expect(rec.plugins[2]).toMatchObject({ line: 28, capabilities: ['bandwidth'] });
  });

  it('multus: delegate types', () => {
    const text = '{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus","kubeconfig":"/etc/cni/net.d/multus.d/multus.kubeconfig","delegates":[{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"type":"flannel"}]}]}';
    const rec = cniConfigParser.parse(text, '00-multus.conf').records[0]!;
    expect(rec.plugins[0]).toMatchObject({ type: 'multus', delegateTypes: ['flannel'], kubeconfig: '/etc/cni/net.d/multus.d/multus.kubeconfig' });
    expect(rec.kubeconfigPaths).toEqual(['/etc/cni/net.d/multus.d/multus.kubeconfig']);
  });
});

describe('cni-config: what is wrong with the file', () => {
  it.each<{ name: string; file: string; text: string; flags: string[]; issues: [CniConfigIssueCode, number, number?][]; problemLines: number[] }>([
    { name: 'empty file (k8s website#10323)', file: '10-flannel.conf', text: '', flags: ['empty'], issues: [['empty', 0]], problemLines: [0] },
    { name: 'whitespace only', file: '10-flannel.conf', text: '  \n\n\t\n', flags: ['whitespaceOnly'], issues: [['whitespace-only', 0]], problemLines: [0] },
    {
      name: 'truncated JSON (lab case c)', file: '30-bad.conf', text: '{"cniVersion":"1.0.0","name":"bad","type":"bridge",',
      flags: ['invalidJson'], issues: [['invalid-json', 1, 52]], problemLines: [1],
    },
    {
      name: 'missing comma on line 3', file: '10-x.conflist', text: '{\n  "name": "cbr0",\n  "cniVersion": "0.3.1"\n  "plugins": []\n}\n',
      flags: ['invalidJson'], issues: [['invalid-json', 4, 3]], problemLines: [4],
    },
    {
      name: 'trailing garbage after the object', file: '10-flannel.conf', text: '{"cniVersion":"0.3.1","name":"cbr0","type":"flannel"}\n}\n',
      flags: ['trailingGarbage'], issues: [['trailing-garbage', 2, 1]], problemLines: [2],
    },
    {
      name: 'UTF-8 BOM', file: '10-bridge.conf', text: '\ufeff{"cniVersion":"1.0.0","name":"x","type":"bridge"}',
      flags: ['bom'], issues: [['bom', 1, 1]], problemLines: [1],
    },
    {
      name: 'CRLF endings are reported, not fatal', file: '10-bridge.conf', text: '{\r\n"cniVersion":"1.0.0",\r\n"name":"x","type":"bridge"}\r\n',
      flags: ['crlf'], issues: [['crlf', 1]], problemLines: [],
    },
    {
      name: 'missing cniVersion (flannel-io/flannel#1179)', file: '10-flannel.conflist', text: '{\n  "name": "cbr0",\n  "plugins": [\n    {\n      "type": "flannel",\n      "delegate": {"hairpinMode": true, "isDefaultGateway": true}\n    }\n  ]\n}\n',
      flags: ['missingCniVersion'], issues: [['missing-cni-version', 1]], problemLines: [],
    },
    {
      name: 'a plugin list in a .conf file', file: '10-flannel.conf', text: FLANNEL_CONFLIST,
      flags: ['extensionMismatch', 'missingType'], issues: [['extension-mismatch', 4], ['missing-type', 1]], problemLines: [],
    },
    {
      name: '.conflist without plugins', file: '10-bridge.conflist', text: '{"cniVersion":"1.0.0","name":"x","type":"bridge"}',
      flags: ['missingPlugins'], issues: [['missing-plugins', 1]], problemLines: [],
    },
    {
      name: 'empty plugin list', file: '10-x.conflist', text: '{"cniVersion":"1.0.0","name":"x","plugins":[]}',
      flags: ['emptyPlugins'], issues: [['empty-plugins', 1]], problemLines: [],
    },
    {
      name: 'a plugin without type', file: '10-x.conflist', text: '{\n"cniVersion":"1.0.0",\n"name":"x",\n"plugins":[\n  {"type":"bridge"},\n  {"capabilities":{"portMappings":true}}\n]}',
      flags: ['pluginMissingType'], issues: [['plugin-missing-type', 6]], problemLines: [],
    },
    {
      name: 'unreleased cniVersion (lab case d)', file: '10-x.conf', text: '{"cniVersion":"0.5.0","name":"x","type":"bridge"}',
      flags: ['unknownCniVersion'], issues: [['unknown-cni-version', 1]], problemLines: [],
    },
    {
      name: 'conflist without a name', file: '10-x.conflist', text: '{"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]}',
      flags: ['missingName'], issues: [['missing-name', 1]], problemLines: [],
    },
    {
      name: 'neither type nor plugins', file: '10-x.conf', text: '{"cniVersion":"1.0.0","name":"x"}',
      flags: ['missingType'], issues: [['missing-type', 1]], problemLines: [],
    },
    { name: 'not an object', file: '10-x.conf', text: '[{"type":"bridge"}]', flags: ['notAnObject'], issues: [['not-an-object', 1]], problemLines: [1] },
    { name: 'binary', file: '10-x.conf', text: '\u0000\u0001\u0002ELF\u0000', flags: ['binary'], issues: [['binary', 0]], problemLines: [0] },
  ])('$name', ({ file, text, flags, issues, problemLines }) => {
    const { records, problems } = cniConfigParser.parse(text, `nodes/n1/cni/net.d/${file}`);
    expect(records).toHaveLength(1);
    const rec = records[0]!;
    expect(flagsSet(rec.flags)).toEqual([...flags].sort());
    expect(rec.issues.map((i) => (i.column === undefined ? [i.code, i.line] : [i.code, i.line, i.column]))).toEqual(issues);
    expect(problems.map((p) => p.line)).toEqual(problemLines);
    for (const p of problems) expect(p.file).toBe(`nodes/n1/cni/net.d/${file}`);
  });

  it('the invalid-JSON problem quotes the broken line and says where', () => {
    const { problems } = cniConfigParser.parse('{\n  "name": "cbr0",\n  "cniVersion": "0.3.1"\n  "plugins": []\n}\n', '10-x.conflist');
    expect(problems[0]).toEqual({
      file: '10-x.conflist', line: 4,
      message: `invalid JSON at line 4 column 3: expected ',' or '}' after property value, found "\\""`,
      excerpt: '  "plugins": []',
    });
  });

  it('a BOM config is still read for what it meant', () => {
    const rec = cniConfigParser.parse('\ufeff{"cniVersion":"1.0.0","name":"x","type":"bridge"}', '10-bridge.conf').records[0]!;
    expect(rec).toMatchObject({ name: 'x', cniVersion: '1.0.0', pluginTypes: ['bridge'] });
  });

  it('files libcni ignores (calico-kubeconfig) are listed as not loaded, without JSON noise', () => {
    const { records, problems } = cniConfigParser.parse('# Kubeconfig file for Calico CNI plugin.\napiVersion: v1\nkind: Config\n', 'nodes/n1/cni/net.d/calico-kubeconfig');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ extension: 'other', loadedByLibcni: false, shape: 'unknown', issues: [], plugins: [] });
  });
});
