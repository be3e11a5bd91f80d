import { describe, expect, it } from 'vitest';
import { containerdLogParser, createContainerdLogParser } from '../../../analyzer/parsers/containerd-log.js';
import { runLineParser } from '../../../analyzer/parsers/types.js';
import { asProblem, fixture } from './helpers.js';

describe('containerd log file (logfmt)', () => {
  it.each([
    {
      name: 'IPAM exhaustion with the pod from PodSandboxMetadata (lab line 73)',
      line: String.raw`time="2026-11-22T10:28:54.639504416Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:web-1,Uid:uid-web-1,Namespace:default,Attempt:0,} failed, error" error="failed to setup network for sandbox \"aad4c6a9e2a519d95adc58631b1c82e1de0f451724ae5b02f6ffda97ed4a1e08\": plugin type=\"bridge\" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.88.0.10-10.88.0.10"`,
      expected: {
        severity: 'error', level: 'error', format: 'logfmt', timestamp: '2026-11-22T10:28:54.639504416Z', timeText: '2026-11-22T10:28:54.639504416Z',
        message: 'RunPodSandbox for &PodSandboxMetadata{Name:web-1,Uid:uid-web-1,Namespace:default,Attempt:0,} failed, error',
        fields: { error: 'failed to setup network for sandbox "aad4c6a9e2a519d95adc58631b1c82e1de0f451724ae5b02f6ffda97ed4a1e08": plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.88.0.10-10.88.0.10' },
        sandboxIds: ['aad4c6a9e2a519d95adc58631b1c82e1de0f451724ae5b02f6ffda97ed4a1e08'],
        pod: { namespace: 'default', name: 'web-1', uid: 'uid-web-1' }, cniPluginType: 'bridge', cniOp: 'add',
      },
    },
    {
      name: 'StopPodSandbox failure with an empty result cache cause (containerd/containerd#8197)',
      line: String.raw`time="2023-03-01T20:08:10.167346791Z" level=error msg="StopPodSandbox for \"4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399\" failed" error="failed to destroy network for sandbox \"4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399\": cni plugin not initialized"`,
      expected: {
        timestamp: '2023-03-01T20:08:10.167346791Z', message: 'StopPodSandbox for "4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399" failed',
        sandboxIds: ['4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399'],
      },
    },
    {
      name: 'a warning is kept even without network words (lab line 8)',
      line: 'time="2026-11-22T10:28:52.876026583Z" level=warning msg="failed to load plugin io.containerd.snapshotter.v1.devmapper" error="devmapper not configured"',
      expected: { severity: 'warning', level: 'warning', fields: { error: 'devmapper not configured' } },
    },
    {
      name: 'the no-config startup error (lab line 49)',
      line: 'time="2026-11-22T10:28:52.881235454Z" level=error msg="failed to load cni during init, please check CRI plugin status before setting up network for pods" error="cni config load failed: no network config found in /tmp/lab/ctd2/cni-conf: cni plugin not initialized: failed to load cni config"',
      expected: { message: 'failed to load cni during init, please check CRI plugin status before setting up network for pods', sandboxIds: [] },
    },
    {
      name: 'failed to reserve sandbox name: the holder is a sandbox, the name is not',
      line: String.raw`time="2026-11-22T10:28:53.9Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:web-0,Uid:uid-web-0,Namespace:default,Attempt:0,} failed, error" error="failed to reserve sandbox name \"web-0_default_uid-web-0_0\": name \"web-0_default_uid-web-0_0\" is reserved for \"733a4c0e\""`,
      expected: { timestamp: '2026-11-22T10:28:53.900Z', sandboxIds: ['733a4c0e'] },
    },
    {
      name: 'JSON-format containerd',
      line: '{"error":"cni plugin not initialized","level":"error","msg":"Failed to destroy network for sandbox \\"76b4\\"","time":"2026-11-22T10:28:53.805935643Z"}',
      expected: { format: 'json', severity: 'error', message: 'Failed to destroy network for sandbox "76b4"', fields: { error: 'cni plugin not initialized' }, sandboxIds: ['76b4'] },
    },
  ])('$name', ({ line, expected }) => {
    expect(containerdLogParser.parseLine(line, 5, 'containerd.log')).toMatchObject({ kind: 'containerd-log', file: 'containerd.log', line: 5, raw: line, ...expected });
  });

  it.each([
    ['healthy plugin-less info line', 'time="2026-11-22T10:28:52.883433699Z" level=info msg="Start recovering state"'],
    ['empty line', ''],
  ])('drops %s', (_n, line) => {
    expect(containerdLogParser.parseLine(line, 1, 'c.log')).toBeNull();
  });

  it.each([
    ['binary', 'time="x" \u0000\u0000 level=error', 'NUL byte'],
  ])('bad input: %s', (_n, line, msg) => {
    const p = asProblem(containerdLogParser.parseLine(line, 9, 'c.log'));
    expect(p).toMatchObject({ file: 'c.log', line: 9 });
    expect(p.message).toContain(msg);
  });

  it('a line cut inside a quoted value still yields its level and the text read so far', () => {
    const rec = containerdLogParser.parseLine('time="2026-11-22T10:28:53.806Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:nocni', 3, 'c.log');
    expect(rec).toMatchObject({ line: 3, severity: 'error', message: 'RunPodSandbox for &PodSandboxMetadata{Name:nocni' });
  });

  it('reads the whole real lab log: the 5 errors with their lines, nothing unreadable', () => {
    const { records, problems } = runLineParser(createContainerdLogParser(), fixture('containerd.log'), 'containerd.log');
    expect(problems).toEqual([]);
    const errors = records.filter((r) => r.severity === 'error');
    expect(errors.map((r) => r.line)).toEqual([49, 63, 64, 65, 73]);
    expect(errors.map((r) => r.sandboxIds[0])).toEqual([
      undefined,
      '76b405a773c6d092065d4d2013217c8fe1fe7458bff27b3504cf05f00d8daf22',
      '76b405a773c6d092065d4d2013217c8fe1fe7458bff27b3504cf05f00d8daf22',
      '76b405a773c6d092065d4d2013217c8fe1fe7458bff27b3504cf05f00d8daf22',
      'aad4c6a9e2a519d95adc58631b1c82e1de0f451724ae5b02f6ffda97ed4a1e08',
    ]);
    const started = records.find((r) => r.line === 71);
    expect(started).toMatchObject({ severity: 'info', sandboxIds: ['c6387f4e66e9c17ef593bbbbf14f09ced7eddf0b4f7b8fe8340383f122a2efb6'], pod: { namespace: 'default', name: 'web-0' } });
    // uninteresting info lines are dropped, the sandbox timeline is kept
    expect(records.find((r) => r.line === 54)).toBeUndefined();
    expect(records.filter((r) => r.message.startsWith('TearDown network for sandbox')).map((r) => r.line)).toEqual([75, 79, 86, 90]);
  });
});
