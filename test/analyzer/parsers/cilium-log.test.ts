import { describe, expect, it } from 'vitest';
import { ciliumLogParser, createCiliumLogParser } from '../../../analyzer/parsers/cilium-log.js';
import { asProblem } from './helpers.js';

describe('cilium logs', () => {
  it.each([
    {
      name: 'logrus without time: endpoint creation names the sandbox and pod',
      line: 'level=info msg="Create endpoint request" addressing="&{10.0.1.23 fe80::1 }" containerID=4b721e30f4fd1201f2ba0ab08800205dd78f58b71746898cbb8bac52972dc472 interface=lxc1234 k8sPodName=default/web-0 subsys=daemon sync-build=true',
      expected: {
        severity: 'info', format: 'logfmt', subsys: 'daemon', message: 'Create endpoint request',
        sandboxIds: ['4b721e30f4fd1201f2ba0ab08800205dd78f58b71746898cbb8bac52972dc472'], pod: { namespace: 'default', name: 'web-0' },
        fields: { addressing: '&{10.0.1.23 fe80::1 }', containerID: '4b721e30f4fd1201f2ba0ab08800205dd78f58b71746898cbb8bac52972dc472', interface: 'lxc1234', k8sPodName: 'default/web-0', subsys: 'daemon', 'sync-build': 'true' },
      },
    },
    {
      name: 'logrus with time: endpoint regeneration failure (cilium/cilium#39091)',
      line: 'time="2025-04-10T08:15:02Z" level=error msg="Error regenerating endpoint: Cilium API client timeout exceeded" ciliumEndpointName=default/web-0 containerID=f225b469bb containerInterface=eth0 endpointID=1234 error="context deadline exceeded" subsys=endpoint',
      expected: { severity: 'error', timestamp: '2025-04-10T08:15:02.000Z', subsys: 'endpoint', fields: { error: 'context deadline exceeded' }, sandboxIds: ['f225b469bb'] },
    },
    {
      name: 'slog (1.17+): module instead of subsys',
      line: 'time=2025-03-17T10:00:00.123Z level=ERROR source=/go/src/github.com/cilium/cilium/pkg/endpoint/endpoint.go:1234 msg="Regeneration of endpoint failed" module=agent.controlplane.endpoint-manager error="context canceled"',
      expected: { severity: 'error', level: 'ERROR', subsys: 'agent.controlplane.endpoint-manager', timestamp: '2025-03-17T10:00:00.123Z', message: 'Regeneration of endpoint failed' },
    },
    {
      name: 'bpf filesystem not mounted',
      line: 'level=fatal msg="BPF filesystem is not mounted. This will lead to network disruption when Cilium pods are restarted." subsys=bpf',
      expected: { severity: 'error', level: 'fatal', subsys: 'bpf' },
    },
    {
      name: 'JSON log format',
      line: '{"level":"warning","msg":"Unable to update ipcache map entry on pod add","error":"unable to resolve identity","subsys":"k8s-watcher","time":"2024-03-01T10:00:00Z"}',
      expected: { format: 'json', severity: 'warning', subsys: 'k8s-watcher', timestamp: '2024-03-01T10:00:00.000Z' },
    },
  ])('$name', ({ line, expected }) => {
    expect(ciliumLogParser.parseLine(line, 3, 'cilium-agent.log')).toMatchObject({ kind: 'cilium-log', file: 'cilium-agent.log', line: 3, raw: line, ...expected });
  });

  it('client-go klog inside the agent gets its year from the reference time', () => {
    const line = 'E0301 10:00:00.000000       1 reflector.go:147] k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Node: failed to list *v1.Node: Unauthorized';
    expect(createCiliumLogParser({ referenceTime: '2026-03-02T00:00:00Z' }).parseLine(line, 1, 'c.log')).toMatchObject({ format: 'klog', severity: 'error', timestamp: '2026-03-01T10:00:00.000000Z' });
    expect(ciliumLogParser.parseLine(line, 1, 'c.log')).not.toHaveProperty('timestamp');
  });

  it.each([
    ['debug chatter', 'level=debug msg="Skipping ipcache upsert" subsys=k8s-watcher'],
    ['empty', ''],
  ])('drops %s', (_n, line) => {
    expect(ciliumLogParser.parseLine(line, 1, 'c.log')).toBeNull();
  });

  it('binary is a problem at its line', () => {
    expect(asProblem(ciliumLogParser.parseLine('level=error \u0000', 8, 'c.log'))).toMatchObject({ file: 'c.log', line: 8 });
  });

  it('a cut-off quoted value keeps level and message prefix', () => {
    expect(ciliumLogParser.parseLine('level=error msg="Unable to connect to the agent', 2, 'c.log')).toMatchObject({ severity: 'error', message: 'Unable to connect to the agent' });
  });
});
