import { readFileSync } from 'node:fs';

/** The bundle format this build writes. Minor bumps add optional fields; major bumps break readers. */
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
export const FORMAT_VERSION = `${FORMAT_MAJOR}.${FORMAT_MINOR}`;

let cachedToolVersion: string | undefined;

/** The tool version from package.json, found relative to this file in both src and dist layouts. */
export function toolVersion(): string {
  if (cachedToolVersion) return cachedToolVersion;
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cni-evidence' && pkg.version) return (cachedToolVersion = pkg.version);
    } catch {
      // try the next layout
    }
  }
  return (cachedToolVersion = '0.0.0-unknown');
}
