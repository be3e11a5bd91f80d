/**
 * Settings of the node's container runtime that decide how a pod sandbox is built before any CNI
 * plugin runs: the sandbox (pause) image and the cgroup driver. Read from `containerd config dump`
 * (the effective config), the config files themselves, `crio config`, and `crictl info` (what the
 * running daemon reports, which differs from the files when nobody restarted it).
 */
import type { NodeEvidence } from '../../evidence/types.js';

export type RuntimeConfigSource = 'containerd-config-dump' | 'containerd-config-file' | 'crio-config' | 'cri-info';

export interface RuntimeSetting {
  value: string;
  file: string;
  /** 1-based line of the setting (0 when only the file is known). */
  line: number;
  source: RuntimeConfigSource;
  /** The TOML table it was found under (`plugins."io.containerd.grpc.v1.cri"`). */
  section?: string;
  /** The line as written, for citing. */
  text: string;
}

function sourceOf(path: string): RuntimeConfigSource | undefined {
  if (path === 'cri/info.json') return 'cri-info';
  if (!path.startsWith('runtime/')) return undefined;
  if (/containerd-config-dump/.test(path)) return 'containerd-config-dump';
  if (/crio/.test(path)) return 'crio-config';
  if (/containerd/.test(path)) return 'containerd-config-file';
  return undefined;
}

/** `key = "value"` / `key = true` lines of every runtime TOML the node bundle holds, with their table. */
function tomlSettings(node: NodeEvidence, key: RegExp, only?: (section: string) => boolean): RuntimeSetting[] {
  const out: RuntimeSetting[] = [];
  for (const [path, raw] of node.texts) {
    const source = sourceOf(path);
    if (!source || source === 'cri-info') continue;
    let section = '';
    raw.text.split('\n').forEach((line, i) => {
      const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(line);
      if (header) {
        section = header[1]!;
        return;
      }
      const m = /^\s*([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([\w.-]+))\s*(?:#.*)?$/.exec(line);
      if (!m || !key.test(m[1]!)) return;
      if (only && !only(section)) return;
      out.push({ value: m[2] ?? m[3] ?? m[4] ?? '', file: raw.file, line: i + 1, source, section, text: line.trim() });
    });
  }
  return out;
}

/** A JSON value in `crictl info` found by key, with the line it sits on. */
function criInfoValues(node: NodeEvidence, key: string): RuntimeSetting[] {
  const raw = node.texts.get('cri/info.json');
  if (!raw) return [];
  const out: RuntimeSetting[] = [];
  const pattern = new RegExp(`"${key}"\\s*:\\s*(?:"([^"]*)"|(true|false))`);
  raw.text.split('\n').forEach((line, i) => {
    const m = pattern.exec(line);
    if (m) out.push({ value: m[1] ?? m[2] ?? '', file: raw.file, line: i + 1, source: 'cri-info', text: line.trim().replace(/,$/, '') });
  });
  // Minified JSON: one line, so the regex above found at most one per line; good enough to cite.
  return out;
}

/**
 * The pause image the runtime uses: containerd `sandbox_image` (config v2), `pinned_images.sandbox`
 * (containerd 2.x, config v3), CRI-O `pause_image`, and `sandboxImage` in `crictl info`.
 */
export function sandboxImageSettings(node: NodeEvidence): RuntimeSetting[] {
  return [
    ...tomlSettings(node, /^(sandbox_image|pause_image)$/),
    ...tomlSettings(node, /^sandbox$/, (section) => /pinned_images/.test(section)),
    ...criInfoValues(node, 'sandboxImage'),
  ].filter((s) => s.value !== '');
}

/** The effective sandbox image: the running daemon (crictl info) first, then the dump, then the files. */
export function effectiveSandboxImage(node: NodeEvidence): RuntimeSetting | undefined {
  const all = sandboxImageSettings(node);
  const order: RuntimeConfigSource[] = ['cri-info', 'containerd-config-dump', 'crio-config', 'containerd-config-file'];
  for (const source of order) {
    const found = all.find((s) => s.source === source);
    if (found) return found;
  }
  return undefined;
}

export type CgroupDriver = 'systemd' | 'cgroupfs';

export interface CgroupDriverSetting extends RuntimeSetting {
  driver: CgroupDriver;
}

/**
 * The runtime's cgroup driver: runc `SystemdCgroup` (containerd), the old CRI `systemd_cgroup`,
 * CRI-O `cgroup_manager`, and `SystemdCgroup` in `crictl info`.
 */
export function runtimeCgroupDriver(node: NodeEvidence): CgroupDriverSetting[] {
  const out: CgroupDriverSetting[] = [];
  for (const s of tomlSettings(node, /^(SystemdCgroup|systemd_cgroup)$/)) {
    // Only runc-style runtimes: a kata or gVisor handler's options say nothing about the default one.
    const runtime = /runtimes\.(?:"([^"]+)"|([\w-]+))/.exec(s.section ?? '');
    const name = runtime?.[1] ?? runtime?.[2];
    if (name && name !== 'runc') continue;
    out.push({ ...s, driver: s.value === 'true' ? 'systemd' : 'cgroupfs' });
  }
  for (const s of tomlSettings(node, /^cgroup_manager$/)) {
    if (s.value === 'systemd' || s.value === 'cgroupfs') out.push({ ...s, driver: s.value });
  }
  for (const s of criInfoValues(node, 'SystemdCgroup')) out.push({ ...s, driver: s.value === 'true' ? 'systemd' : 'cgroupfs' });
  return out;
}

/** The registry part of an image reference (`registry.k8s.io`, `docker.io` for bare names). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  if (!image.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) return 'docker.io';
  return first;
}

/** The repository without the registry and tag: `registry.k8s.io/pause:3.6` → `pause`. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const parts = withoutDigest.split('/');
  if (parts.length > 1 && registryOf(withoutDigest) !== 'docker.io') parts.shift();
  const last = parts.join('/');
  const colon = last.lastIndexOf(':');
  return colon > 0 ? last.slice(0, colon) : last;
}
