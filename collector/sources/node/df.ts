import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, HOST_ROOT, NODE } from '../define.js';

export default defineSource({
  id: 'df',
  scope: 'node',
  output: 'df of /, /var, /var/lib, /var/lib/cni and /run (a full disk or tmpfs stops CNI state writes)',
  run: [
    {
      kind: 'command',
      argv: ['df', '-P', `${HOST_ROOT}/`, `${HOST_ROOT}/var`, `${HOST_ROOT}/var/lib`, `${HOST_ROOT}/var/lib/cni`, `${HOST_ROOT}/run`],
      to: nodePaths.df(NODE),
      // df exits 1 when one of the paths does not exist and still reports the others.
      okExitCodes: [0, 1],
    },
  ],
});
