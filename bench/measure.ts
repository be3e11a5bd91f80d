/**
 * Running a command and measuring it: wall time, CPU (user + sys) and peak resident memory of
 * the process tree GNU time sees (`/usr/bin/time -f`), or, without GNU time, wall time and the
 * peak VmHWM polled from /proc.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  code: number | null;
  wallMs: number;
  /** user + sys CPU, ms; null without GNU time. */
  cpuMs: number | null;
  /** Peak RSS in bytes (GNU time's %M; the largest process of a pipeline), null if unknown. */
  peakRss: number | null;
  stdout: string;
  stderr: string;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/** Peak resident memory of a running process (VmHWM), polled until it exits. */
export function pollPeakRss(pid: number, done: Promise<unknown>): Promise<number> {
  let peak = 0;
  let stopped = false;
  void done.then(() => (stopped = true));
  return new Promise((resolve) => {
    const poll = async (): Promise<void> => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
      if (stopped || status === '') resolve(peak);
      else setTimeout(() => void poll(), 20);
    };
    void poll();
  });
}

export async function measure(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; keepOutput?: boolean } = {}): Promise<Measured> {
  const gnu = hasGnuTime();
  const dir = gnu ? await mkdtemp(join(tmpdir(), 'cni-evidence-bench-time-')) : '';
  const timeFile = join(dir, 'time.txt');
  const argv = gnu ? ['-f', '%e %U %S %M', '-o', timeFile, file, ...args] : args;
  const started = process.hrtime.bigint();
  const child = spawn(gnu ? GNU_TIME : file, argv, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (options.keepOutput !== false && stdout.length < 1 << 20) stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 1 << 20) stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const polled = gnu ? Promise.resolve(0) : pollPeakRss(child.pid!, exited);
  const code = await exited;
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const peakPolled = await polled;
  if (!gnu) return { code, wallMs, cpuMs: null, peakRss: peakPolled || null, stdout, stderr };
  const text = await readFile(timeFile, 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  // GNU time prints "Command exited with non-zero status N" before the format line.
  const last = text.trim().split('\n').pop() ?? '';
  const [e, u, s, m] = last.split(' ').map(Number);
  return {
    code,
    wallMs: Number.isFinite(e) ? Math.max(wallMs, 0) : wallMs,
    cpuMs: Number.isFinite(u) && Number.isFinite(s) ? Math.round((u! + s!) * 1000) : null,
    peakRss: Number.isFinite(m) ? m! * 1024 : null,
    stdout,
    stderr,
  };
}

export const mb = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`);
export const secs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
