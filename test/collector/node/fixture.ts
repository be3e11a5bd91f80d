/**
 * A small node root with the awkward cases the collector must record faithfully: empty, invalid
 * and dangling configs, a subfolder, a 0-byte results cache, host-local reservations, plugins
 * that answer VERSION, one that must never be run, and a log past the size cap.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const FIXTURE_MTIME = new Date('2026-11-20T08:00:00Z');

export async function makeNodeRoot(root: string): Promise<{ installMarker: string }> {
  const w = async (path: string, content: string | Buffer, mode = 0o644) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
    await chmod(join(root, path), mode);
  };
  await w('etc/hostname', 'fixture-node\n');
  await w('etc/os-release', 'PRETTY_NAME="Fixture Linux"\nID=fixture\n');
  await w('etc/cni/net.d/10-flannel.conflist', '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}\n');
  await w('etc/cni/net.d/05-empty.conf', '');
  await w('etc/cni/net.d/20-truncated.conflist', '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":');
  await w('etc/cni/net.d/multus.d/multus.kubeconfig', 'apiVersion: v1\nkind: Config\n');
  await w('etc/cni/net.d/.hidden.conf', '{"name":"dot"}');
  await w('etc/cni/net.d/name with space.conf', '{}');
  await symlink('99-gone.conflist.target', join(root, 'etc/cni/net.d/99-dangling.conflist'));
  await w('var/lib/cni/results/cbr0-055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708-eth0', '', 0o600);
  await w('var/lib/cni/results/cbr0-01d576d2-eth0', '{"kind":"cniCacheV1","containerId":"01d576d2","ifName":"eth0","networkName":"cbr0","result":{"cniVersion":"0.3.1"}}', 0o600);
  await w('var/lib/cni/networks/cbr0/10.244.1.2', '01d576d2\r\neth0');
  await w('var/lib/cni/networks/cbr0/10.244.1.3', '055b221e\r\neth0');
  await w('var/lib/cni/networks/cbr0/last_reserved_ip.0', '10.244.1.3');
  await w('var/lib/cni/networks/cbr0/lock', '', 0o750);
  await w('var/log/calico/cni/cni.log', Array.from({ length: 400 }, (_, i) => `2026-11-20 08:00:${String(i % 60).padStart(2, '0')}.000 [INFO][${i}] k8s.go 120: line ${i}`).join('\n') + '\n');
  const installMarker = join(root, 'install-was-run');
  const version = '#!/bin/sh\nprintf \'{"cniVersion":"0.4.0","supportedVersions":["0.3.1","0.4.0"]}\\n\'\n';
  await w('opt/cni/bin/flannel', version, 0o755);
  await w('opt/cni/bin/slow', '#!/bin/sh\nprintf "starting\\n" >&2\nexit 3\n', 0o755);
  await w('opt/cni/bin/install', `#!/bin/sh\ntouch '${installMarker}'\n`, 0o755);
  await w('opt/cni/bin/README', 'not a plugin\n', 0o644);
  await symlink('flannel', join(root, 'opt/cni/bin/flannel-link'));
  if (existsSync('/usr/lib/cni/host-local')) {
    await copyFile('/usr/lib/cni/host-local', join(root, 'opt/cni/bin/host-local'));
    await chmod(join(root, 'opt/cni/bin/host-local'), 0o755);
  }
  await mkdir(join(root, 'run/netns'), { recursive: true });
  // Fixed mtimes make listings byte-comparable between runs.
  for (const path of ['etc/cni/net.d/10-flannel.conflist', 'var/lib/cni/results/cbr0-01d576d2-eth0']) {
    await utimes(join(root, path), FIXTURE_MTIME, FIXTURE_MTIME);
  }
  return { installMarker };
}
