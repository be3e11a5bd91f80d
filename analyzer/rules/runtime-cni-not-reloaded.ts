/**
 * A valid config is in the conf dir now, but the runtime still runs without it (or on an older
 * one): `crictl info` keeps lastCNILoadStatus "cni config load failed: no network config found in
 * /etc/cni/net.d" and lists only cni-loopback, NetworkReady stays false, and sandboxes created after
 * the file was written still fail with "cni plugin not initialized". containerd reloads the dir on
 * inotify events; a dir deleted and recreated, a file moved in with mv, or a reload that failed on
 * a half-written file leaves it on its last state until it is restarted.
 */
import type { Symptom } from '../correlate/symptoms.js';
import type { Citation, RemediationStep } from '../model.js';
import type { CniConfigRecord } from '../parsers/index.js';
import { citeText, defineRule } from './define.js';
import { citeConfig, confDirView, describeConfig, listingEntry, NOT_INITIALIZED, onNode, runtimeConfDir } from './lib/cni-netd.js';
import { readCriInfo, runtimeKind } from './lib/runtime-info.js';

const RELOAD_FAILED = /failed to reload cni configuration|cni config load failed/i;
/** Symptoms this long after the file's mtime cannot be blamed on "the agent had not written it yet". */
const GRACE_MS = 10_000;

export default defineRule({
  id: 'runtime-cni-not-reloaded',
  title: 'The runtime did not load the CNI config that is on disk',
  severity: 'critical',
  cni: true,
  needs: ['cri/info.json', 'cni/net.d/*', 'cni/net.d.ls', 'journal/*.log'],
  description:
    'A valid config sits in the conf dir, yet the runtime runs without it: crictl info shows a lastCNILoadStatus other than OK, NetworkReady=false, or loaded networks that differ from the file on disk, and sandboxes created after the file\'s mtime still fail with "cni plugin not initialized". containerd missed the inotify event (conf dir deleted and recreated, file moved in, reload during a half-written file); a restart of the runtime loads it.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const notInit = ctx.symptomsMatching(NOT_INITIALIZED, node.name);
      const reloadFailed = ctx.symptomsMatching(RELOAD_FAILED, node.name);
      const dir = confDirView(ctx, node, runtimeConfDir(node, [...notInit, ...reloadFailed]).dir);
      const winner = dir.winner;
      if (!winner) continue;
      const runtime = runtimeKind(node);
      // A broken file before it stops containerd for real: cni-config-invalid.
      if (dir.first !== winner && runtime !== 'crio' && runtime !== 'docker') continue;

      const info = readCriInfo(node);
      const entry = listingEntry(dir, winner.fileName);
      const writtenMs = entry?.mtime ? Date.parse(entry.mtime) : undefined;
      const statusBad = info?.lastLoadStatus && info.lastLoadStatus.value !== 'OK' ? info.lastLoadStatus : undefined;
      const notReady = info?.networkReady && !info.networkReady.value.status ? info.networkReady : undefined;
      const loaded = info?.reportsNetworks ? info.networks : undefined;
      const loadedOther = loaded && !loaded.some((n) => n.value.name === winner.name) ? loaded : undefined;
      const after = writtenMs !== undefined ? notInit.filter((s) => s.time !== undefined && Date.parse(s.time) > writtenMs + GRACE_MS) : [];
      const undated = writtenMs === undefined ? notInit : [];

      // CRI-O and kubelet also report NetworkReady=false when a plugin binary is missing: cni-plugin-missing.
      const pluginMissing = ctx.symptomsMatching(/failed to find plugin/i, node.name).length > 0 || /failed to find plugin/i.test(notReady?.value.message ?? '');
      if (pluginMissing && !statusBad && !loadedOther) continue;
      // Sandboxes failing inside the winner's own plugins show the runtime did load it.
      const winnerTypes = new Set(winner.plugins.flatMap((p) => [p.type, p.ipam?.type, ...p.delegateTypes]).filter((t): t is string => !!t));
      const runsWinner = ctx.symptoms.some((s) => s.node === node.name && winnerTypes.has(s.cniPluginType ?? /plugin type=\\*"([^"\\]+)/.exec(s.message)?.[1] ?? ''));
      if (runsWinner && !statusBad && !notReady) continue;
      const runtimeSays = !!statusBad || !!loadedOther || !!notReady;
      if (!runtimeSays && after.length === 0 && undated.length === 0) continue;
      // Only symptoms, and no way to order them against the file: the agent may just have been late.
      const confidence = runtimeSays ? 'high' : after.length > 0 ? 'medium' : 'low';
      if (confidence === 'low' && reloadFailed.length === 0) {
        ctx.notEnoughEvidence({
          scope: { nodes: [node.name], pods: podsOf(notInit) },
          reason: `${node.name} reports "cni plugin not initialized" while ${winner.fileName} is valid on disk, but the bundle shows neither the runtime's current CNI status nor when the file was written`,
          missing: [...ctx.missing(node.name, ['cri/info.json', 'cni/net.d.ls']), `crictl info on ${node.name}`],
        });
        continue;
      }

      const explains = runtimeSays ? notInit.filter((s) => writtenMs === undefined || s.time === undefined || Date.parse(s.time) > writtenMs + GRACE_MS) : after.length > 0 ? after : undated;
      const citations: Citation[] = [];
      const own = explains.find((s) => s.pod && s.stage !== 'event') ?? explains[0];
      if (own) citations.push(own.citation);
      if (statusBad) citations.push(citeText(statusBad.file, statusBad.line, statusBad.text));
      if (notReady && notReady.line !== statusBad?.line) citations.push(citeText(notReady.file, notReady.line, notReady.text));
      if (loadedOther) {
        const first = loadedOther[0];
        citations.push(first ? citeText(first.file, first.line, `loaded network: ${first.value.name} (${first.value.types.join(', ')})`) : citeText(info!.file, info!.networksLine, 'cniconfig.Networks: only cni-loopback'));
      }
      citations.push(entry ? ctx.cite(entry, `${entry.mode} ${entry.sizeText} ${entry.mtimeText} ${entry.name}`) : citeConfig(winner));
      citations.push(citeConfig(winner));
      const lastReload = reloadFailed[reloadFailed.length - 1];
      if (lastReload && !citations.some((c) => c.file === lastReload.citation.file && c.line === lastReload.citation.line)) citations.push(lastReload.citation);

      const message = buildMessage(node.name, runtime, dir.dir, winner, entry?.mtime, { statusBad: statusBad?.value, notReady: notReady?.value.message, loadedOther: loadedOther?.map((n) => n.value.name) ?? (info?.reportsNetworks && loaded?.length === 0 ? [] : undefined), after, lastReload });
      ctx.report({
        key: node.name,
        confidence,
        severity: explains.length > 0 || notReady ? 'critical' : 'warning',
        message,
        scope: { nodes: [node.name], pods: podsOf(explains) },
        citations,
        remediation: remediation(node.name, runtime, dir.dir),
        confirmWith: info ? [] : [`crictl info on ${node.name} (lastCNILoadStatus, cniconfig.Networks)`, ...ctx.missing(node.name, ['cri/info.json'])],
        explains,
        whyHere: `${runtime === 'crio' ? 'CRI-O' : 'containerd'} on ${node.name} still has ${loadedOther?.length ? `network ${loadedOther[0]!.value.name}` : 'no network'} loaded although ${winner.fileName} is on disk.`,
      });
    }
  },
});

function podsOf(symptoms: readonly Symptom[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
}

function buildMessage(
  node: string,
  runtime: string,
  dir: string,
  winner: CniConfigRecord,
  mtime: string | undefined,
  seen: { statusBad?: string | undefined; notReady?: string | undefined; loadedOther?: string[] | undefined; after: Symptom[]; lastReload?: Symptom | undefined },
): string {
  const name = runtime === 'crio' ? 'CRI-O' : 'containerd';
  const parts: string[] = [];
  if (seen.statusBad) parts.push(`crictl info still reports lastCNILoadStatus "${seen.statusBad}"`);
  if (seen.loadedOther) parts.push(seen.loadedOther.length === 0 ? 'its loaded networks are only cni-loopback' : `it still runs network ${seen.loadedOther.join(', ')}, not "${winner.name}"`);
  if (seen.notReady && !seen.statusBad) parts.push(`NetworkReady=false ("${seen.notReady}")`);
  const lastAfter = seen.after[seen.after.length - 1];
  if (lastAfter?.time) parts.push(`sandboxes still fail with "cni plugin not initialized" at ${lastAfter.time.replace(/\.\d+Z$/, 'Z')}, after the file was written`);
  const parseErr = seen.statusBad && /error parsing|unexpected end|invalid character/i.test(seen.statusBad);
  const why = parseErr
    ? `Its last reload read the file while it was being written (a non-atomic rewrite) and failed, and no later change event came: the valid file was never loaded.`
    : seen.loadedOther && seen.loadedOther.length > 0
      ? `The config changed on disk without ${name} reloading it (a missed change event).`
      : `${name} missed the file's creation: its watch on ${dir} breaks when the dir is deleted and recreated, and a file moved in with mv is not always seen.`;
  return `On ${node}, ${describeConfig(winner)} is valid and in ${dir}${mtime ? ` since ${mtime.replace(/\.\d+Z$/, 'Z')}` : ''}, but ${name} has not loaded it: ${parts.join('; ') || 'it still reports no CNI network'}. ${why} Every sandbox ADD fails until ${name} reloads its CNI config.`;
}

function remediation(node: string, runtime: string, dir: string): RemediationStep[] {
  const unit = runtime === 'crio' ? 'crio' : 'containerd';
  return [
    { text: `Restart ${unit} on ${node}: it reads ${dir} at start (running containers keep running).`, command: onNode(node, `systemctl restart ${unit}`) },
    { text: 'Check that it loaded the network.', command: onNode(node, "crictl info | grep -E -A3 'lastCNILoadStatus|\"NetworkReady\"'") },
    { text: `Keep it from happening again: write configs into ${dir} in place (cp or a direct write; a file moved in with mv can go unseen), never delete and recreate ${dir} itself, and upgrade ${unit} if its watcher is known to miss these events.` },
  ];
}
