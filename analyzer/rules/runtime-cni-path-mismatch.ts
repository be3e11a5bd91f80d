/**
 * The runtime reads its CNI config or plugins from another dir than the one the CNI installed
 * into: k3s/rke2's containerd looks in /var/lib/rancher/k3s/agent/etc/cni/net.d and
 * …/data/current/bin while a Helm-installed CNI wrote /etc/cni/net.d and /opt/cni/bin; GKE's
 * runtime uses /home/kubernetes/bin; a distro containerd package sets bin_dir /usr/lib/cni. The
 * config or the plugin exists, just not where the runtime looks ("no network config found in
 * <dir>", "failed to find plugin "x" in path [<dir>]").
 */
import type { Symptom } from '../correlate/symptoms.js';
import type { NodeEvidence } from '../evidence/types.js';
import type { Citation, RemediationStep } from '../model.js';
import type { LsEntryRecord, LsRecord } from '../parsers/index.js';
import { citeText, defineRule } from './define.js';
import { clusterAgents, familiesOf } from './lib/cni-owners.js';
import { confDirView, distroConfDirs, NOT_INITIALIZED, onNode, runtimeConfDir, STOCK_BIN_DIR, stockConfDir, type ConfDirView } from './lib/cni-netd.js';
import { normDir, readCriInfo, runtimeCniDirs, runtimeKind, type Located } from './lib/runtime-info.js';

const NOT_FOUND = /failed to find plugin \\*"([^"\\]+)\\*" in path \[([^\]]*)\]/;

interface BinDir {
  dir: string;
  /** null: the bundle has no listing of it. */
  entries: LsEntryRecord[] | null;
  listingFile?: string;
}

function entriesOf(listing: LsRecord[] | null | undefined): LsEntryRecord[] | null {
  return listing ? listing.filter((r): r is LsEntryRecord => r.kind === 'ls-entry' && r.name !== '.' && r.fileType !== 'directory') : null;
}

/** The plugin dirs the bundle has listings of: /opt/cni/bin and k3s's bin dir. */
function knownBinDirs(node: NodeEvidence): BinDir[] {
  const out: BinDir[] = [];
  const stock = entriesOf(node.binListing);
  if (stock) out.push({ dir: STOCK_BIN_DIR, entries: stock, ...(node.binListing?.[0] ? { listingFile: node.binListing[0].file } : {}) });
  for (const [distro, listing] of node.distroBinListings) {
    const e = entriesOf(listing);
    if (e) out.push({ dir: distro === 'k3s' ? '/var/lib/rancher/k3s/data/current/bin' : `/var/lib/rancher/${distro}/data/current/bin`, entries: e, ...(listing[0] ? { listingFile: listing[0].file } : {}) });
  }
  return out;
}

function has(dir: BinDir, type: string): LsEntryRecord | undefined {
  return dir.entries?.find((e) => e.name === type && (e.executable || e.fileType === 'symlink'));
}

/** k3s points bin_dir at data/<hash>/bin or data/current/bin: the same unpacked plugins. */
function sameBinDir(a: string, b: string): boolean {
  const norm = (d: string) => normDir(d).replace(/\/data\/[0-9a-f]{8,}\/bin$/, '/data/current/bin');
  return norm(a) === norm(b);
}

export default defineRule({
  id: 'runtime-cni-path-mismatch',
  title: "The runtime's CNI dirs are not where the CNI installed itself",
  severity: 'critical',
  cni: true,
  needs: ['runtime/containerd-config-dump.toml', 'runtime/*', 'cri/info.json', 'cni/net.d.ls', 'cni/bin.ls', 'distro/*/cni/net.d.ls', 'distro/*/cni/bin.ls'],
  description:
    'Compares the conf and bin dirs the runtime uses (its error messages, crictl info, containerd\'s [plugins."io.containerd.grpc.v1.cri".cni] bin_dir/conf_dir, CRI-O\'s network_dir/plugin_dirs) with where the CNI config and plugins actually are on the node (/etc/cni/net.d, /opt/cni/bin, the k3s/rke2 dirs under /var/lib/rancher). A config or plugin that exists only outside the runtime\'s dirs is a path mismatch, not a missing file.',
  check(ctx) {
    const agents = clusterAgents(ctx.evidence);
    for (const node of ctx.nodes) {
      const notInit = ctx.symptomsMatching(NOT_INITIALIZED, node.name);
      const notFound = ctx.symptomsMatching(NOT_FOUND, node.name);
      const configured = runtimeCniDirs(node);
      const info = readCriInfo(node);
      const confWhere = runtimeConfDir(node, notInit);
      const confView = confDirView(ctx, node, confWhere.dir);
      const runtime = runtimeKind(node);

      const problems: string[] = [];
      const citations: Citation[] = [];
      const explains: Symptom[] = [];
      const remediation: RemediationStep[] = [];
      let symptomBacked = false;

      // Conf dir: nothing usable where the runtime reads, a usable config elsewhere.
      const others: ConfDirView[] = [stockConfDir(ctx, node), ...distroConfDirs(ctx, node)].filter((v) => v.dir !== confView.dir && v.winner);
      if (!confView.winner && others.length > 0 && confWhere.basis !== 'default') {
        const other = others[0]!;
        problems.push(`it reads CNI configs from ${confView.dir}, which ${confView.state === 'absent' ? 'does not exist' : confView.state === 'ok' ? 'holds no loadable config' : 'the bundle did not collect'}, while the CNI wrote ${other.winner!.fileName} to ${other.dir}`);
        if (confWhere.citation) citations.push(confWhere.citation);
        const own = notInit.find((s) => s.pod && s.stage !== 'event') ?? notInit[0];
        if (own && own.citation !== confWhere.citation) citations.push(own.citation);
        citations.push(citeText(other.winner!.file, other.winner!.plugins[0]?.line ?? 0, `${other.dir}/${other.winner!.fileName}: ${other.winner!.pluginTypes.join(', ')}`));
        explains.push(...notInit);
        symptomBacked ||= notInit.length > 0;
        remediation.push(fixConf(node.name, runtime, confView.dir, other.dir, configured?.confDir, other.winner!.fileName));
      }

      // Bin dir: plugins of the active config missing from every runtime bin dir but present in another.
      const active = confView.winner ?? others[0]?.winner;
      const errorDirs = [...new Set(notFound.flatMap((s) => NOT_FOUND.exec(s.message)![2]!.split(/[\s,]+/).map((d) => d.trim()).filter((d) => d.startsWith('/'))))];
      const runtimeBins: Located<string[]> | undefined = configured?.binDirs ?? info?.binDirs;
      const binDirs = errorDirs.length > 0 ? errorDirs : runtimeBins?.value ?? [];
      if (active && binDirs.length > 0) {
        const known = knownBinDirs(node);
        const used = known.filter((k) => binDirs.some((d) => sameBinDir(d, k.dir)));
        const unused = known.filter((k) => !used.includes(k));
        const types = [...new Set([...active.plugins.flatMap((p) => [p.type, p.ipam?.type, ...p.delegateTypes]), ...notFound.map((s) => NOT_FOUND.exec(s.message)![1]!)])].filter((t): t is string => !!t);
        const misplaced = types
          .map((type) => {
            const inUsed = used.some((u) => has(u, type));
            const notedMissing = notFound.some((s) => NOT_FOUND.exec(s.message)![1] === type);
            // Missing where the runtime looks: by its own error, or by our listing of that dir.
            const missingThere = notedMissing || (used.length > 0 && used.length === binDirs.length && !inUsed);
            const elsewhere = unused.map((u) => ({ u, e: has(u, type) })).find((x) => x.e);
            return missingThere && !inUsed && elsewhere ? { type, where: elsewhere.u, entry: elsewhere.e! } : undefined;
          })
          .filter((x): x is { type: string; where: BinDir; entry: LsEntryRecord } => x !== undefined);
        if (misplaced.length > 0) {
          const where = misplaced[0]!.where;
          problems.push(`it looks for plugins in ${binDirs.join(', ')}, but ${misplaced.map((m) => m.type).join(', ')} ${misplaced.length > 1 ? 'are' : 'is'} only in ${where.dir}`);
          const errs = notFound.filter((s) => misplaced.some((m) => NOT_FOUND.exec(s.message)![1] === m.type));
          const own = errs.find((s) => s.pod && s.stage !== 'event') ?? errs[0];
          if (own) citations.push(own.citation);
          if (runtimeBins) citations.push(citeText(runtimeBins.file, runtimeBins.line, runtimeBins.text));
          for (const m of misplaced.slice(0, 2)) citations.push(ctx.cite(m.entry, `${where.dir}/${m.entry.name} ${m.entry.mode} ${m.entry.sizeText}`));
          explains.push(...errs);
          symptomBacked ||= errs.length > 0;
          remediation.push(fixBin(node.name, runtime, binDirs[0]!, where.dir, runtimeBins, misplaced.map((m) => m.type)));
        }
      }
      if (problems.length === 0) continue;
      // The CNI's DaemonSet decides where it installs (its hostPath volumes): show them.
      const family = active ? familiesOf(active).find((f) => agents.get(f)?.daemonsets.length) : undefined;
      const ds = family ? agents.get(family)!.daemonsets[0] : undefined;
      if (ds) {
        remediation.unshift({
          text: `${ds.namespace}/${ds.name} installs into the stock dirs: set its CNI conf and bin dirs (the hostPath volumes of its install-cni step, or the chart/operator values) to the runtime's ${confView.dir}${binDirs[0] ? ` and ${binDirs[0]}` : ''}.`,
          command: `kubectl -n ${ds.namespace} get ds ${ds.name} -o jsonpath='{range .spec.template.spec.volumes[*]}{.name}{"\\t"}{.hostPath.path}{"\\n"}{end}'`,
        });
      }
      if (configured?.confDir && !citations.some((c) => c.file === configured.confDir!.file && c.line === configured.confDir!.line)) citations.push(citeText(configured.confDir.file, configured.confDir.line, configured.confDir.text));

      const name = runtime === 'crio' ? 'CRI-O' : runtime === 'unknown' ? 'the runtime' : runtime;
      const unique = [...new Set(explains)];
      ctx.report({
        key: node.name,
        severity: symptomBacked ? 'critical' : 'warning',
        confidence: symptomBacked ? 'high' : 'medium',
        message: `On ${node.name}, ${name} and the CNI disagree on where CNI lives: ${problems.join('; and ')}. The files exist, just not where ${name} looks, so every sandbox ADD fails${symptomBacked ? '' : ' once a pod lands here'}.`,
        scope: { nodes: [node.name], pods: [...new Set(unique.map((s) => s.pod).filter((p): p is string => p !== null))] },
        citations,
        remediation: [
          ...remediation,
          { text: `Restart ${name === 'CRI-O' ? 'crio' : 'containerd'} after changing its config, then check the dirs it reports.`, command: onNode(node.name, "crictl info | grep -E -A3 '\"(confDir|binDirs?|PluginDirs|PluginConfDir)\"'") },
        ],
        confirmWith: symptomBacked ? [] : [`crictl info on ${node.name}`],
        explains: unique,
        whyHere: `${node.name}'s runtime is configured with other CNI dirs than the ones its CNI installs into.`,
      });
    }
  },
});

function fixConf(node: string, runtime: string, runtimeDir: string, cniDir: string, configured: Located<string> | undefined, file: string): RemediationStep {
  if (/\/rancher\//.test(runtimeDir)) {
    return {
      text: `This is a k3s/rke2 node: its containerd reads ${runtimeDir}. Install the CNI with that conf dir (e.g. the chart's CNI conf/bin path values), or copy the config there; do not edit k3s's generated containerd config (it is rewritten at start).`,
      command: onNode(node, `cp ${cniDir}/${file} ${runtimeDir}/`),
    };
  }
  return {
    text: `Point the runtime at ${cniDir} (${runtime === 'crio' ? 'network_dir in [crio.network]' : 'conf_dir under [plugins."io.containerd.grpc.v1.cri".cni]'}${configured ? `, now ${configured.value} in ${configured.file.replace(/^nodes\/[^/]+\//, '')}` : ''}), or install the CNI config into ${runtimeDir}.`,
    command: onNode(node, runtime === 'crio' ? 'grep -rn network_dir /etc/crio/' : 'grep -n conf_dir /etc/containerd/config.toml'),
  };
}

function fixBin(node: string, runtime: string, runtimeDir: string, cniDir: string, configured: Located<string[]> | undefined, types: string[]): RemediationStep {
  if (/\/home\/kubernetes\/bin/.test(runtimeDir)) {
    return { text: `On GKE the runtime's plugin dir is /home/kubernetes/bin: install the CNI there (e.g. Cilium's cni.binPath=/home/kubernetes/bin), not in ${cniDir}.`, command: onNode(node, `ls -la /home/kubernetes/bin ${cniDir}`) };
  }
  return {
    text: `Make the runtime find ${types.join(', ')}: add ${cniDir} to its plugin dirs (${runtime === 'crio' ? 'plugin_dirs in [crio.network]' : 'bin_dir (bin_dirs in containerd 2.1+) under the CRI cni section'}${configured ? `, now ${configured.value.join(', ')}` : ''}), or have the CNI install into ${runtimeDir}.`,
    command: onNode(node, types.map((t) => `ls -la ${runtimeDir}/${t} ${cniDir}/${t}`).join('; ')),
  };
}
