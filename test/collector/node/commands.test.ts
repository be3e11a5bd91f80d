import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planNode } from '../../../collector/node/plan.js';
import { defineSource, HOST_ROOT, NODE, type NodeSourceDefinition } from '../../../collector/sources/define.js';
import { tempDir } from '../../helpers/tmp.js';
import { byPath, collectLocally, collectWithScript } from './helpers.js';

const p = (name: string) => `nodes/${NODE}/t/${name}.txt`;

/** Command edge cases, each run by both executors. */
const recipe: NodeSourceDefinition[] = [
  defineSource({
    id: 'edge-commands',
    scope: 'node',
    output: 'test',
    run: [
      { kind: 'command', argv: ['no-such-tool-x'], fallbacks: [['no-such-tool-y', '-a']], to: p('absent') },
      { kind: 'command', argv: ['no-such-tool-x'], fallbacks: [['printf', '%s\\n', 'fallback ran']], to: p('fallback') },
      { kind: 'command', argv: ['sh', '-c', 'echo out; echo "oops: broken" >&2; exit 3'], to: p('failed') },
      { kind: 'command', argv: ['sh', '-c', 'echo partial; exit 1'], okExitCodes: [0, 1], to: p('ok-exit-1') },
      { kind: 'command', argv: ['sh', '-c', 'echo before; exec sleep 30'], timeoutMs: 1000, to: p('timeout') },
      { kind: 'command', argv: ['seq', '1', '100000'], maxBytes: 100, to: p('head') },
      { kind: 'command', argv: ['seq', '1', '100000'], maxBytes: 100, keep: 'tail', to: p('tail') },
      { kind: 'command', argv: ['cat'], stdin: '{"cniVersion":"1.0.0"}', to: p('stdin') },
      { kind: 'command', argv: ['sh', '-c', 'printf "%s" "$LAB_VALUE"'], env: { LAB_VALUE: "it's set" }, to: p('env') },
      { kind: 'command', argv: ['echo', 'root=', { ifHostRoot: ['--root', HOST_ROOT] }, `${HOST_ROOT}/etc`], to: p('root-args') },
      { kind: 'command', argv: ['sh', '-c', 'kill -SEGV $$'], to: p('signal') },
    ],
  }),
];

describe('commands run the same way in both executors', async () => {
  const dir = await tempDir();
  const plan = planNode(recipe, { commandTimeoutMs: 10_000 });
  const local = await collectLocally(plan, join(dir, 'local.tgz'), '/tmp/some-root');
  const viaSh = await collectWithScript(plan, join(dir, 'sh.tgz'), ['sh', '-s'], { ...process.env, HOST_ROOT: '/tmp/some-root/' });
  const node = 'nodes/n1/t/';

  for (const [name, collected] of [['local', local], ['sh', viaSh]] as const) {
    it(`records each outcome with its facts (${name})`, () => {
      const at = byPath(collected.manifest);
      const get = (n: string) => at.get(`${node}${n}.txt`)!;
      const text = (n: string) => collected.files.get(`${node}${n}.txt`);
      expect(get('absent')).toMatchObject({ status: 'absent', error: 'command not found: no-such-tool-x, no-such-tool-y', source: { kind: 'command', argv: ['no-such-tool-x'] }, bytes: 0, sha256: null });
      expect(get('fallback')).toMatchObject({ status: 'ok', exitCode: 0, source: { argv: ['printf', '%s\\n', 'fallback ran'] } });
      expect(text('fallback')).toBe('fallback ran\n');
      expect(get('failed')).toMatchObject({ status: 'failed', exitCode: 3, error: 'exit status 3', stderrExcerpt: 'oops: broken\n' });
      expect(text('failed')).toBe('out\n');
      expect(get('ok-exit-1')).toMatchObject({ status: 'ok', exitCode: 1 });
      expect(get('timeout')).toMatchObject({ status: 'timeout', exitCode: null, error: 'timed out after 1s' });
      expect(text('timeout')).toBe('before\n');
      expect(get('timeout').durationMs).toBeLessThan(8000);
      expect(get('head')).toMatchObject({ status: 'truncated', bytes: 100, truncatedFromBytes: 588895 });
      expect(text('head')!.startsWith('1\n2\n3\n')).toBe(true);
      const tail = get('tail');
      expect(tail).toMatchObject({ status: 'truncated', truncatedFromBytes: 588895 });
      expect(text('tail')!.endsWith('99999\n100000\n')).toBe(true);
      expect(text('tail')!.split('\n')[0]).toMatch(/^\d{5}$/);
      expect(text('stdin')).toBe('{"cniVersion":"1.0.0"}');
      expect(text('env')).toBe("it's set");
      expect(get('root-args').source).toEqual({ kind: 'command', argv: ['echo', 'root=', '--root', '/tmp/some-root', '/tmp/some-root/etc'] });
      expect(text('root-args')).toBe('root= --root /tmp/some-root /tmp/some-root/etc\n');
      expect(get('signal')).toMatchObject({ status: 'failed', exitCode: null, signal: 'SIGSEGV', error: 'killed by signal SIGSEGV' });
    });
  }

  it('the sh run covered every step', () => {
    expect(viaSh.ingest).toMatchObject({ complete: true, missingSteps: [] });
  });
});
