import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE, RELATIVE } from '../define.js';
import { journalArgv } from './journal-args.js';

export default defineSource({
  id: 'journal-runtime',
  scope: 'node',
  output: 'containerd and CRI-O journals of the current boot (tail), or their /var/log files where there is no journal',
  run: (options) => [
    { kind: 'command', argv: journalArgv('containerd', options), to: nodePaths.journal(NODE, 'containerd'), keep: 'tail', maxBytes: options.maxBytes },
    { kind: 'command', argv: journalArgv('crio', options), to: nodePaths.journal(NODE, 'crio'), keep: 'tail', maxBytes: options.maxBytes },
    {
      kind: 'files',
      globs: ['/var/log/containerd.log', '/var/log/crio.log', '/var/log/crio/*.log'],
      base: '/var/log',
      to: nodePaths.varLog(NODE, RELATIVE),
      keep: 'tail',
      maxBytes: options.maxBytes,
    },
  ],
});
