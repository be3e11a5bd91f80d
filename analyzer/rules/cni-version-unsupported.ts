/**
 * The config's cniVersion is one a plugin of the chain does not speak: `incompatible CNI versions;
 * config is "1.1.0", plugin supports ["0.1.0" … "1.0.0"]` (config newer than the plugins), or the
 * other way round (a rebuilt plugin that only accepts 0.4.0), a missing cniVersion that kubelet
 * 1.16+ rejects, or a runtime whose libcni cannot decode the result version the plugin returns.
 * The plugins' own CNI_COMMAND=VERSION answers, collected in cni/bin.ls, prove it without a pod.
 */
import type { Symptom } from '../correlate/symptoms.js';
import type { NodeEvidence } from '../evidence/types.js';
import type { Citation, RemediationStep } from '../model.js';
import { KNOWN_CNI_VERSIONS, type CniConfigRecord, type LsEntryRecord } from '../parsers/index.js';
import { citeText, defineRule } from './define.js';
import { clusterAgents, familiesOf, FAMILIES } from './lib/cni-owners.js';
import { confDirView, onNode, runtimeConfDir } from './lib/cni-netd.js';
import { runtimeCniDirs } from './lib/runtime-info.js';

const VERSION_ERROR =
  /incompatible CNI versions|unsupported CNI result version|does not support (?:the )?config version|unknown CNI version|cniVersion\W+[\d.]*\W+(?:is )?not supported|failed to convert (?:the )?result/i;
const CONFIG_IS = /config is \\*"([^"\\]*)\\*", plugin supports \[([^\]]*)\]/;
const PLUGIN_TYPE = /plugin type=\\*"([^"\\]+)\\*"/;
const NOT_SUPPORT = /plugin ([\w.-]+) does not support config version \\*"([^"\\]*)\\*"/;

interface PluginVersions {
  type: string;
  supported: string[];
  entry: LsEntryRecord;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function versionsOf(entry: LsEntryRecord): string[] | undefined {
  const json = entry.version?.json as { supportedVersions?: unknown } | undefined;
  return Array.isArray(json?.supportedVersions) ? json!.supportedVersions.filter((v): v is string => typeof v === 'string') : undefined;
}

/** The plugins the config makes the runtime exec: chain, IPAM and delegate types. */
function pluginTypes(config: CniConfigRecord): string[] {
  const out = new Set<string>();
  for (const p of config.plugins) {
    if (p.type) out.add(p.type);
    if (p.ipam?.type) out.add(p.ipam.type);
    for (const d of p.delegateTypes) out.add(d);
    // flannel renders a bridge delegate with host-local IPAM.
    if (p.type === 'flannel' && !p.delegate?.['ipam']) out.add('host-local');
  }
  return [...out];
}

/** The effective version a plugin sees: libcni's decoder reads a missing cniVersion as 0.1.0. */
function effectiveVersion(config: CniConfigRecord): string {
  if (config.cniVersion) return config.cniVersion;
  if (config.cniVersions?.length) return [...config.cniVersions].sort(compareVersions).filter((v) => compareVersions(v, '1.1.0') <= 0).pop() ?? config.cniVersions[0]!;
  return '0.1.0';
}

function binEntries(node: NodeEvidence): Map<string, LsEntryRecord> {
  const dirs = runtimeCniDirs(node)?.binDirs?.value ?? [];
  const listings = [
    ...(dirs.some((d) => d.includes('/rancher/')) ? [...node.distroBinListings.values()] : []),
    node.binListing ?? [],
    ...[...node.distroBinListings.values()],
  ];
  const out = new Map<string, LsEntryRecord>();
  for (const listing of listings) for (const r of listing) if (r.kind === 'ls-entry' && !out.has(r.name)) out.set(r.name, r);
  return out;
}

export default defineRule({
  id: 'cni-version-unsupported',
  title: "The config's cniVersion is not supported by its plugins",
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d/*', 'cni/bin.ls', 'journal/*.log'],
  description:
    'Compares the active config\'s cniVersion with the supportedVersions every plugin of its chain (IPAM and delegates included) answered to CNI_COMMAND=VERSION, and matches "incompatible CNI versions; config is …, plugin supports […]", "unsupported CNI result version" and kubelet\'s "does not support config version". Works in both directions (config newer or older than a plugin) and names the version every plugin accepts.',
  check(ctx) {
    const agents = clusterAgents(ctx.evidence);
    for (const node of ctx.nodes) {
      const symptoms = ctx.symptomsMatching(VERSION_ERROR, node.name);
      const dir = confDirView(ctx, node, runtimeConfDir(node, ctx.symptoms).dir);
      const config = dir.winner;
      const bins = binEntries(node);

      const checked: PluginVersions[] = [];
      const rejecting: PluginVersions[] = [];
      const version = config ? effectiveVersion(config) : undefined;
      if (config && version) {
        for (const type of pluginTypes(config)) {
          const entry = bins.get(type);
          const supported = entry ? versionsOf(entry) : undefined;
          if (!entry || !supported) continue;
          const pv = { type, supported, entry };
          checked.push(pv);
          if (!supported.includes(version)) rejecting.push(pv);
        }
      }
      const unknownVersion = config?.cniVersion !== undefined && !(KNOWN_CNI_VERSIONS as readonly string[]).includes(config.cniVersion);
      const missingVersion = config !== undefined && config.cniVersion === undefined && !config.cniVersions?.length;
      const configIs = symptoms.map((s) => CONFIG_IS.exec(s.message)).find((m) => m !== null);
      const notSupport = symptoms.map((s) => NOT_SUPPORT.exec(s.message)).find((m) => m !== null);
      const fromError = configIs ?? notSupport;
      const resultVersionError = symptoms.find((s) => /unsupported CNI result version|failed to convert/i.test(s.message));

      if (rejecting.length === 0 && symptoms.length === 0) {
        // Nothing fails yet: only note a config that leaves its version to defaults.
        if (config && missingVersion && checked.length > 0) {
          ctx.report({
            key: node.name,
            severity: 'info',
            confidence: 'medium',
            message: `On ${node.name}, ${config.fileName} has no "cniVersion": plugins read it as 0.1.0 and return old-format results, and kubelet 1.16+ (dockershim) rejects it with "does not support config version". Set it explicitly.`,
            scope: { nodes: [node.name] },
            citations: [citeText(config.file, 1, `${config.fileName}: no "cniVersion" key`)],
            remediation: [{ text: `Add "cniVersion": "${bestCommon(checked) ?? '0.3.1'}" to ${dir.dir}/${config.fileName} (or to the manifest that writes it).` }],
            whyHere: `${config.fileName} on ${node.name} has no cniVersion.`,
          });
        }
        continue;
      }
      if (rejecting.length === 0 && !fromError && !resultVersionError && !unknownVersion && !missingVersion) continue;

      const configVersion = configIs?.[1] ?? notSupport?.[2] ?? config?.cniVersion ?? '';
      const target = bestCommon(checked);
      const citations: Citation[] = [];
      const ownSymptom = symptoms.find((s) => s.pod && s.stage !== 'event') ?? symptoms.find((s) => s.pod) ?? symptoms[0];
      if (ownSymptom) citations.push(ownSymptom.citation);
      const other = symptoms.find((s) => s !== ownSymptom && PLUGIN_TYPE.exec(s.message)?.[1] !== PLUGIN_TYPE.exec(ownSymptom?.message ?? '')?.[1]);
      if (other) citations.push(other.citation);
      if (config) citations.push(citeText(config.file, 0, config.cniVersion !== undefined ? `${config.fileName}: "cniVersion": "${config.cniVersion}"` : `${config.fileName}: no "cniVersion" (read as 0.1.0)`));
      for (const r of rejecting.slice(0, 3)) citations.push(ctx.cite(r.entry, `${r.type}: supportedVersions [${r.supported.join(', ')}]`));

      const newer = version !== undefined && rejecting.length > 0 && rejecting.every((r) => r.supported.every((v) => compareVersions(v, version) < 0));
      let what: string;
      if (resultVersionError && rejecting.length === 0) {
        what = `the runtime's libcni cannot decode the result version the plugins return ("${short(resultVersionError.message)}"): the runtime is older than the cniVersion ${config?.cniVersion ?? configVersion} in ${config?.fileName ?? 'the config'}`;
      } else if (rejecting.length > 0) {
        what = `${config!.fileName} says cniVersion ${config!.cniVersion !== undefined ? `"${config!.cniVersion}"` : 'nothing (read as 0.1.0)'}, but ${groupBySupport(rejecting)}${newer ? ': the config is newer than the installed plugins' : ''}`;
      } else if (configIs) {
        what = `a plugin rejects the config version "${configVersion}": it supports [${configIs[2]!.replace(/\\*"/g, '').trim().split(/\s+/).join(', ')}]`;
      } else if (notSupport) {
        what = `${notSupport[1]} does not support the config version "${configVersion}"${configVersion === '' ? ' (the config has no cniVersion)' : ''}`;
      } else if (unknownVersion) {
        what = `${config!.fileName} says cniVersion "${config!.cniVersion}", which is not a released CNI spec version`;
      } else {
        what = `${config!.fileName} has no cniVersion and the runtime rejects it`;
      }

      const steps: RemediationStep[] = [];
      const families = config ? familiesOf(config) : [];
      const family = families.find((f) => agents.has(f));
      const path = config ? `${dir.dir}/${config.fileName}` : undefined;
      if (config && target) {
        const sedFrom = config.cniVersion !== undefined ? `"cniVersion": *"${config.cniVersion.replace(/\./g, '\\.')}"` : undefined;
        steps.push({
          text: `Set "cniVersion" to "${target}", the highest version every plugin of the chain supports${family ? ` (the file is written by ${FAMILIES[family].label}: change it in its manifest/ConfigMap too, or the agent writes it back)` : ''}.`,
          command: sedFrom ? onNode(node.name, `sed -i 's/${sedFrom}/"cniVersion": "${target}"/' ${path}`) : onNode(node.name, `cat ${path}`),
        });
      }
      steps.push({ text: `Or install plugins that support cniVersion ${config?.cniVersion ?? configVersion} (a newer containernetworking-plugins release${family ? ` / ${FAMILIES[family].label}` : ''}), then check their VERSION answer.`, command: onNode(node.name, `for p in ${(rejecting.length ? rejecting.map((r) => r.type) : checked.map((c) => c.type)).slice(0, 4).join(' ') || 'bridge'}; do echo "$p: $(echo '{}' | CNI_COMMAND=VERSION /opt/cni/bin/$p)"; done`) });
      if (resultVersionError) steps.push({ text: `Or upgrade the container runtime on ${node.name}: its libcni predates that result version.` });

      const bothSides = symptoms.length > 0 && (rejecting.length > 0 || unknownVersion || (missingVersion && !!fromError));
      ctx.report({
        key: node.name,
        severity: symptoms.length > 0 ? 'critical' : 'warning',
        confidence: bothSides || (rejecting.length > 0 && symptoms.length === 0) ? 'high' : 'medium',
        message: `On ${node.name}, ${what}. Every plugin refuses a config whose version it does not support, so every sandbox ADD${rejecting.some((r) => r.type === 'portmap' || r.type === 'bandwidth') ? ' and the cleanup DEL' : ''} fails${symptoms.length === 0 ? ' as soon as a pod lands here' : ''}.`,
        scope: { nodes: [node.name], pods: podsOf(symptoms) },
        citations,
        remediation: steps,
        confirmWith: checked.length === 0 ? [...ctx.missing(node.name, ['cni/bin.ls']), `echo '{}' | CNI_COMMAND=VERSION /opt/cni/bin/<plugin> on ${node.name}`] : [],
        explains: symptoms,
        whyHere: config ? `${config.fileName} on ${node.name} asks for cniVersion ${config.cniVersion ?? '(none)'}${rejecting.length ? `, which ${rejecting.map((r) => r.type).join(', ')} there do${rejecting.length === 1 ? 'es' : ''} not support` : ''}.` : `The plugins on ${node.name} reject the config version.`,
      });
    }
  },
});

/** "bridge, host-local and portmap support only [..]; firewall supports only [..]". */
function groupBySupport(plugins: readonly PluginVersions[]): string {
  const groups = new Map<string, string[]>();
  for (const p of plugins) groups.set(p.supported.join(', '), [...(groups.get(p.supported.join(', ')) ?? []), p.type]);
  return [...groups]
    .map(([list, types]) => `${types.length > 1 ? `${types.slice(0, -1).join(', ')} and ${types[types.length - 1]} support` : `${types[0]} supports`} only [${list}]`)
    .join('; ');
}

/** The highest version every checked plugin supports. */
function bestCommon(checked: readonly PluginVersions[]): string | undefined {
  if (checked.length === 0) return undefined;
  const common = checked.map((c) => new Set(c.supported)).reduce((a, b) => new Set([...a].filter((v) => b.has(v))));
  return [...common].sort(compareVersions).pop();
}

function podsOf(symptoms: readonly Symptom[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
}

function short(text: string): string {
  const t = text.replace(/^.*?(unsupported CNI result version|failed to convert)/i, '$1');
  return t.length > 120 ? `${t.slice(0, 120)}…` : t;
}
