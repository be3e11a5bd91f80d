/**
 * The lab runs real Debian software and installs it itself when missing, so a fresh machine
 * (CI) needs nothing done by hand.
 */
import { run } from './proc.js';

export const LAB_PACKAGES = [
  'containernetworking-plugins',
  'iptables',
  'nftables',
  'conntrack',
  'iproute2',
  'containerd',
  'runc',
  'systemd-journal-remote',
  'gcc',
  'libc6-dev',
] as const;

export async function missingPackages(packages: readonly string[] = LAB_PACKAGES): Promise<string[]> {
  const missing: string[] = [];
  for (const name of packages) {
    const result = await run(['dpkg-query', '-W', '-f=${Status}', name], { allowFail: true });
    if (result.code !== 0 || !result.stdout.includes('install ok installed')) missing.push(name);
  }
  return missing;
}

/** Installs whatever is missing; returns what was installed. Needs root and apt. */
export async function ensureLabPackages(log: (line: string) => void = () => undefined): Promise<string[]> {
  const missing = await missingPackages();
  if (missing.length === 0) return [];
  log(`installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run(['apt-get', 'update'], { env, timeoutMs: 300_000 });
  await run(['apt-get', 'install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 600_000 });
  return missing;
}
