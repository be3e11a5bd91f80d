import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';
import { journalArgv } from './journal-args.js';

export default defineSource({
  id: 'journal-kubelet',
  scope: 'node',
  output: 'kubelet journal of the current boot (tail), or /var/log/kubelet.log where there is no journal',
  run: (options) => [
    { kind: 'command', argv: journalArgv('kubelet', options), to: nodePaths.journal(NODE, 'kubelet'), keep: 'tail', maxBytes: options.maxBytes },
    // Nodes without systemd (and some installers) log kubelet to a file; collected whenever present.
    { kind: 'files', globs: ['/var/log/kubelet.log'], to: nodePaths.varLog(NODE, 'kubelet.log'), keep: 'tail', maxBytes: options.maxBytes },
  ],
});
