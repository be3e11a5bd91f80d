/**
 * When a node booted, from /proc/uptime and the node's own clock at collection: files older than
 * the boot (host-local reservations, result cache files) belong to sandboxes that cannot exist.
 */
import type { Evidence, NodeEvidence } from '../../evidence/types.js';
import type { Citation } from '../../model.js';
import { citeText } from '../define.js';

export interface BootTime {
  /** ISO UTC. */
  at: string;
  ms: number;
  uptimeSeconds: number;
  citation: Citation;
}

export function bootTime(evidence: Evidence, node: NodeEvidence): BootTime | undefined {
  const uptime = node.texts.get('system/uptime.txt');
  const seconds = uptime ? Number(/^\s*([\d.]+)/.exec(uptime.text)?.[1]) : NaN;
  if (!uptime || !Number.isFinite(seconds)) return undefined;
  const date = node.texts.get('system/date.txt');
  const nowText = date ? /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/.exec(date.text)?.[0] : undefined;
  const now = Date.parse(nowText ?? evidence.manifest.createdAt);
  if (!Number.isFinite(now)) return undefined;
  const ms = now - seconds * 1000;
  const at = new Date(ms).toISOString();
  return { at, ms, uptimeSeconds: seconds, citation: citeText(uptime.file, 1, `up ${formatDuration(seconds)}: booted ${at.replace(/\.\d+Z$/, 'Z')}`) };
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}
