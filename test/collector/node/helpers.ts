import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ArtifactEntry, Manifest } from '../../../shared/bundle/manifest-schema.js';
import { readBundleTexts } from '../../../shared/bundle/reader.js';
import { BundleWriter } from '../../../shared/bundle/writer.js';
import { ingestNodeTar, type IngestResult } from '../../../collector/node/ingest.js';
import { runPlanLocally } from '../../../collector/node/local-executor.js';
import type { NodePlan } from '../../../collector/node/plan.js';
import { renderPlanScript } from '../../../collector/node/sh-renderer.js';

const request = { namespaces: [], pods: [], nodes: ['n1'], options: {} };

export interface Collected {
  manifest: Manifest;
  files: Map<string, string>;
  ingest?: IngestResult;
  stderr?: string;
}

export async function collectLocally(plan: NodePlan, out: string, hostRoot: string, node = 'n1'): Promise<Collected> {
  const writer = await BundleWriter.create(out, { mode: 'node', request, overwrite: true });
  await runPlanLocally(plan, { writer, node, hostRoot });
  await writer.finalize();
  const { result, files } = await readBundleTexts(out);
  return { manifest: result.manifest, files };
}

/** Runs `argv` (the shell, possibly behind chroot/setpriv) on the rendered script and ingests its tar. */
export async function collectWithScript(plan: NodePlan, out: string, argv: string[], env: NodeJS.ProcessEnv, node = 'n1'): Promise<Collected> {
  const script = renderPlanScript(plan);
  const scriptPath = `${out}.sh`;
  await writeFile(scriptPath, script);
  const child = spawn(argv[0]!, [...argv.slice(1)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(script);
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => errs.push(c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const stderr = Buffer.concat(errs).toString();
  if (code !== 0) throw new Error(`script exited ${code}: ${stderr}`);
  const writer = await BundleWriter.create(out, { mode: 'node', request, overwrite: true });
  const ingest = await ingestNodeTar(Readable.from([Buffer.concat(chunks)]), writer, node);
  await writer.finalize();
  const { result, files } = await readBundleTexts(out);
  return { manifest: result.manifest, files, ingest, stderr };
}

/** The manifest facts both executors must agree on; command output is compared only where it is deterministic. */
export function comparable(entry: ArtifactEntry): Record<string, unknown> {
  const { startedAt: _s, durationMs: _d, ...rest } = entry;
  if (entry.source.kind === 'command' && entry.sourceId !== 'cni-bin') {
    const { sha256: _h, bytes: _b, stderrExcerpt: _e, truncatedFromBytes: _t, ...facts } = rest;
    return facts;
  }
  return rest;
}

export function byPath(manifest: Manifest): Map<string, ArtifactEntry> {
  return new Map(manifest.artifacts.map((a) => [a.path, a]));
}

export const scriptPathFor = (dir: string, name: string) => join(dir, `${name}.tgz`);
