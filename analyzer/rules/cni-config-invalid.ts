/**
 * A CNI config file the runtime reads cannot be parsed: truncated or bad JSON, a UTF-8 BOM,
 * trailing text after the object, an empty file, a list without plugins or a plugin without type,
 * a plugin list in a .conf file, a file the runtime cannot read. containerd stops at the first bad
 * file it lists ("failed to load CNI config list file …: error parsing configuration list:
 * unexpected end of JSON input") and never initializes CNI; CRI-O and dockershim skip it and fall
 * through to the next file, or to "no networks found" when there is none.
 */
import type { ArtifactEntry } from '../../shared/bundle/manifest-schema.js';
import type { Symptom } from '../correlate/symptoms.js';
import type { NodeEvidence } from '../evidence/types.js';
import type { Citation, RemediationStep } from '../model.js';
import { analyzeCniConfig, type CniConfigIssue, type CniConfigRecord } from '../parsers/index.js';
import { citeText, defineRule, type RuleContext } from './define.js';
import { clusterAgents, familiesOf, FAMILIES, type CniFamily } from './lib/cni-owners.js';
import { blockingIssues, confDirView, describeConfig, isUsable, listingEntry, NOT_INITIALIZED, onNode, runtimeConfDir, type ConfDirView } from './lib/cni-netd.js';
import { runtimeKind } from './lib/runtime-info.js';

/** The runtime or kubelet rejecting a config file (never the libcni result cache: that is cni-cache-corrupt). */
const INVALID =
  /error parsing configuration|failed to load CNI config|error loading CNI config|invalid cni config|network type not found in|no 'plugins' key|no plugins in list|missing 'type'|error unmarshall?ing network config|error reading [^\s]*\/[^\s]*\.(conf|conflist|json)|Error validating CNI config|failed to reload cni configuration|has no networks, skipping/i;
const FILE_IN_ERROR = /(?:CNI config (?:list )?file|network type not found in|error reading|Error loading CNI config (?:list )?file) (\/[^\s:"\\]+\.(?:conflist|conf|json))(?![\w.])/i;

interface Broken {
  config?: CniConfigRecord;
  artifact?: ArtifactEntry;
  fileName: string;
  path: string;
  issues: CniConfigIssue[];
}

export default defineRule({
  id: 'cni-config-invalid',
  title: 'A CNI config file the runtime reads cannot be parsed',
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d/*', 'cni/net.d.ls', 'journal/*.log'],
  description:
    'Reads every .conf/.conflist/.json in the runtime\'s conf dir the way libcni does and cites the exact line and column where it breaks: truncated or invalid JSON, a UTF-8 BOM, text after the object, an empty or unreadable file, a list without plugins, a plugin without type, a plugin list in a .conf file. containerd fails CNI initialization on the first bad file it lists; CRI-O and dockershim skip it. Matches "error parsing configuration list", "failed to load cni config", "invalid character", "unexpected end of JSON input" (but not the result cache\'s).',
  check(ctx) {
    const agents = clusterAgents(ctx.evidence);
    for (const node of ctx.nodes) {
      const invalidSymptoms = ctx.symptomsMatching(INVALID, node.name).filter((s) => !/cached result/i.test(s.message));
      const notInit = ctx.symptomsMatching(NOT_INITIALIZED, node.name).filter((s) => !/cached result/i.test(s.message));
      const where = runtimeConfDir(node, [...invalidSymptoms, ...notInit]);
      const dir = confDirView(ctx, node, where.dir);
      const runtime = runtimeKind(node);

      const broken: Broken[] = dir.loadable
        .filter((c) => !isUsable(c))
        .map((c) => ({ config: c, fileName: c.fileName, path: `${dir.dir}/${c.fileName}`, issues: blockingIssues(c) }));
      for (const a of dir.unreadable) {
        const fileName = a.path.slice(a.path.lastIndexOf('/') + 1);
        if (!/\.(conf|conflist|json)$/.test(fileName)) continue;
        // The runtime runs as root: a file only the collector could not read is a gap, not a fault,
        // unless the runtime says so too or nobody has read permission at all.
        const runtimeDenied = invalidSymptoms.some((s) => s.message.includes(fileName) && /permission denied|not permitted/i.test(s.message));
        const noReadBits = a.fileMode !== undefined && !/r/.test(a.fileMode.slice(1));
        if (runtimeDenied || (noReadBits && /denied|not permitted/i.test(a.error ?? ''))) broken.push({ artifact: a, fileName, path: `${dir.dir}/${fileName}`, issues: [] });
        else if (!dir.winner || fileName < dir.winner.fileName) {
          ctx.notEnoughEvidence({
            scope: { nodes: [node.name] },
            reason: `the collector could not read ${dir.dir}/${fileName} on ${node.name} (${a.error ?? a.status}), so whether the runtime can load it is unknown`,
            missing: [`${a.path} (${a.status}${a.error ? `: ${a.error}` : ''})`],
          });
        }
      }
      broken.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));

      // Errors naming a file the bundle does not hold (net.d not collected): the runtime's word only.
      if (broken.length === 0) {
        const named = invalidSymptoms.find((s) => FILE_IN_ERROR.test(s.message));
        const file = named ? FILE_IN_ERROR.exec(named.message)![1]! : undefined;
        const held = file ? dir.configs.find((c) => `${dir.dir}/${c.fileName}` === file) : undefined;
        if (named && file && !held && (dir.state === 'not-collected' || dir.state === 'unreadable' || dir.source === 'uncollected')) {
          const symptoms = [...invalidSymptoms, ...notInit];
          ctx.report({
            key: node.name,
            confidence: 'medium',
            message: `On ${node.name}, the runtime cannot parse ${file} (${innerReason(named.message)}), so CNI is never initialized and every sandbox ADD fails. The bundle has no copy of the file to show where it breaks.`,
            scope: { nodes: [node.name], pods: podsOf(symptoms) },
            citations: [named.citation, ...notInit.filter((s) => s.pod).slice(0, 1).map((s) => s.citation)],
            remediation: [
              { text: `Look at the file: a truncated write, a BOM or Windows line endings, text after the closing brace.`, command: onNode(node.name, `cat -A ${file} | head -n 60`) },
              { text: 'Have the CNI agent rewrite it (restart its pod on the node), or fix it by hand; the runtime reloads the dir by itself.' },
            ],
            confirmWith: [...ctx.missing(node.name, ['cni/net.d.ls', 'cni/net.d/*']), `cat -A ${file} on ${node.name}`],
            explains: symptoms,
            whyHere: `${file} on ${node.name} does not parse.`,
          });
        }
        continue;
      }

      const winner = dir.winner;
      const winnerIndex = winner ? dir.loadable.indexOf(winner) : Infinity;
      // containerd stops on the first bad file before the one it would use; CRI-O and dockershim skip bad files.
      const skips = runtime === 'crio' || runtime === 'docker';
      const blocking = broken.filter((b) => (skips || !winner ? !winner : b.config ? dir.loadable.indexOf(b.config) < winnerIndex : b.fileName < winner.fileName));
      const primary = blocking[0] ?? broken[0]!;
      const isBlocking = blocking.length > 0;
      const explains = isBlocking ? dedupe([...invalidSymptoms, ...notInit]) : invalidSymptoms.filter((s) => s.message.includes(primary.fileName));
      const families = primary.config ? familiesFromName(primary.config) : familiesFromFileName(primary.fileName);

      const { why, citations } = describeBreak(ctx, dir, primary);
      const symptomCites = explains.filter((s) => INVALID.test(s.message) && s.message.includes(primary.fileName)).slice(0, 1).map((s) => s.citation);
      for (const s of explains) if (symptomCites.length < 3 && s.pod && !symptomCites.includes(s.citation)) symptomCites.push(s.citation);

      const effect = isBlocking
        ? skips
          ? `${runtime === 'crio' ? 'CRI-O' : 'The kubelet'} skips it and finds no other usable config, so the node has no pod network and every sandbox ADD fails.`
          : `containerd stops at the first file it cannot load, so CNI is never initialized${winner ? ` (even ${winner.fileName}, which is fine, is never reached)` : ''}: every sandbox ADD fails with "cni plugin not initialized" and the node stays NetworkReady=false.`
        : skips
          ? `${runtime === 'crio' ? 'CRI-O' : 'The kubelet'} skips it and uses ${winner!.fileName} instead${familiesOf(winner!).join() !== families.join() && families.length > 0 ? `, which is not ${families.map((f) => FAMILIES[f].label).join(' + ')}'s network` : ''}.`
          : `It sorts after ${winner!.fileName}, which the runtime loads first, so it does no harm today; it breaks the node as soon as ${winner!.fileName} goes away.`;

      const remediation = fixes(ctx, node, primary, families, agents);
      const symptomsSeen = explains.length > 0;
      ctx.report({
        key: node.name,
        severity: isBlocking || (skips && symptomsSeen) ? 'critical' : skips ? 'warning' : 'info',
        confidence: isBlocking ? (symptomsSeen ? 'high' : 'medium') : 'high',
        message: `On ${node.name}, ${primary.path} cannot be loaded: ${why} ${effect}${broken.length > 1 ? ` (${broken.length - 1} more broken file${broken.length > 2 ? 's' : ''} in ${dir.dir}: ${broken.filter((b) => b !== primary).map((b) => b.fileName).join(', ')}.)` : ''}`,
        scope: { nodes: [node.name], pods: podsOf(explains) },
        citations: [...symptomCites, ...citations],
        remediation,
        confirmWith: isBlocking && !symptomsSeen ? [`crictl info on ${node.name} (lastCNILoadStatus)`, `the ${runtime === 'unknown' ? 'runtime' : runtime} journal on ${node.name}`] : [],
        explains,
        whyHere: `${primary.fileName} on ${node.name} is broken${otherNodesFine(ctx, node, primary.fileName)}.`,
      });
    }
  },
});

function dedupe(symptoms: Symptom[]): Symptom[] {
  return [...new Set(symptoms)];
}

function podsOf(symptoms: readonly Symptom[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
}

function innerReason(message: string): string {
  const m = /(error parsing configuration[^"\\]*|invalid character[^"\\]*|unexpected end of JSON input|network type not found[^"\\]*|missing 'type'|no 'plugins' key|permission denied)/i.exec(message);
  return m ? m[1]!.replace(/: invalid cni config.*$/, '') : 'a parse error';
}

function familiesFromFileName(fileName: string): CniFamily[] {
  return (Object.keys(FAMILIES) as CniFamily[]).filter((f) => FAMILIES[f].names?.test(fileName.toLowerCase()));
}

function familiesFromName(config: CniConfigRecord): CniFamily[] {
  const f = familiesOf(config);
  return f.length > 0 ? f : familiesFromFileName(config.fileName);
}

function otherNodesFine(ctx: RuleContext, node: NodeEvidence, fileName: string): string {
  const fine = ctx.nodes.filter((n) => n.name !== node.name && n.cniConfigs.some((c) => c.fileName === fileName && isUsable(c)));
  return fine.length > 0 ? `; the same file is fine on ${fine.map((n) => n.name).join(', ')}` : '';
}

/** Why the file does not load, in libcni's terms, with the citations that show the exact spot. */
function describeBreak(ctx: RuleContext, dir: ConfDirView, b: Broken): { why: string; citations: Citation[] } {
  const citations: Citation[] = [];
  const entry = listingEntry(dir, b.fileName);
  if (b.artifact) {
    citations.push(citeText(b.artifact.path, 0, `${b.artifact.error ?? 'unreadable'}${b.artifact.fileMode ? ` (mode ${b.artifact.fileMode})` : ''}`));
    if (entry) citations.push(ctx.cite(entry, `${entry.mode} ${entry.owner}:${entry.group} ${entry.sizeText} ${entry.name}`));
    return { why: `the file cannot be read (${b.artifact.error ?? 'permission denied'}${b.artifact.fileMode ? `, mode ${b.artifact.fileMode}` : ''}); libcni fails with "error reading ${b.path}: permission denied".`, citations };
  }
  const config = b.config!;
  const issue = b.issues[0];
  const problem = issue ? ctx.evidence.parseProblems.find((p) => p.file === config.file && p.line === issue.line) : undefined;
  const at = issue && issue.line > 0 ? `line ${issue.line}${issue.column !== undefined ? `, column ${issue.column}` : ''}` : 'the file as a whole';
  let why: string;
  switch (issue?.code) {
    case 'empty':
    case 'whitespace-only':
      why = `it is ${issue.code === 'empty' ? 'empty (0 bytes)' : 'only whitespace'}, so libcni fails with "error parsing configuration list: unexpected end of JSON input" (a write cut short by a crash, a full disk or a non-atomic copy).`;
      break;
    case 'bom':
      why = `it starts with a UTF-8 byte order mark (EF BB BF), which Go's JSON decoder rejects: "invalid character 'ï' looking for beginning of value" (the file was saved by a Windows editor).`;
      break;
    case 'invalid-json': {
      const truncated = /unterminated|unexpected end|end of (input|data)/i.test(issue.message);
      why = truncated
        ? `the JSON ends early at ${at} (${issue.message.replace(/^invalid JSON at line \d+ column \d+: /, '')}): the file is truncated, and libcni fails with "unexpected end of JSON input".`
        : `the JSON breaks at ${at}: ${issue.message.replace(/^invalid JSON at line \d+ column \d+: /, '')}; libcni fails with "invalid character …".`;
      break;
    }
    case 'trailing-garbage':
      why = `there is text after the closing brace at ${at}; Go's decoder rejects it with "invalid character … after top-level value" (two configs pasted into one file, or a leftover tail from a shorter rewrite).`;
      break;
    case 'not-an-object':
      why = 'the JSON value is not an object.';
      break;
    case 'missing-plugins':
    case 'empty-plugins':
      why = `${issue.message} (${at}).`;
      break;
    case 'plugin-missing-type':
      why = `${issue.message} at ${at}: libcni fails with "error parsing configuration: missing 'type'".`;
      break;
    case 'missing-type':
      why = `it has no "type", so libcni cannot tell which plugin to run ("missing 'type'"${config.extension !== 'conflist' && config.shape === 'conflist' ? '; it is a plugin list saved as .' + config.extension + ': rename it to .conflist' : ''}).`;
      break;
    case 'extension-mismatch':
      why = `${issue.message}.`;
      break;
    case 'missing-name':
      why = 'the plugin list has no "name": libcni fails with "error parsing configuration list: no name".';
      break;
    case 'binary':
      why = 'it holds binary data, not JSON.';
      break;
    default:
      why = issue ? `${issue.message}.` : 'libcni rejects it.';
  }
  const excerpt =
    problem?.excerpt !== undefined
      ? `${at}: ${JSON.stringify(problem.excerpt)}${issue?.code === 'invalid-json' && /unterminated|unexpected end/i.test(issue.message) ? ' (the file ends here)' : ''}`
      : issue
        ? `${at}: ${issue.message}`
        : describeConfig(config);
  citations.push(citeText(config.file, issue?.line ?? 0, excerpt));
  if (config.flags.crlf) why += ' It also has CRLF line endings (harmless to JSON by themselves, but a sign it was edited on Windows).';
  if (entry) citations.push(ctx.cite(entry, `${entry.mode} ${entry.sizeText} ${entry.mtimeText} ${entry.name}`));
  return { why, citations };
}

function fixes(ctx: RuleContext, node: NodeEvidence, b: Broken, families: CniFamily[], agents: ReturnType<typeof clusterAgents>): RemediationStep[] {
  const steps: RemediationStep[] = [];
  const issue = b.issues[0]?.code;
  const family = families.find((f) => agents.has(f));
  const agentPod = family ? agents.get(family)!.pods.find((p) => p.nodeName === node.name) : undefined;

  // flannel's install-cni copies kube-flannel-cfg's cni-conf.json: a broken source is rewritten forever.
  const source = family === 'flannel' ? ctx.evidence.cluster.configmaps.find((c) => c.data['cni-conf.json'] !== undefined) : undefined;
  const sourceBroken = source ? analyzeCniConfig(source.data['cni-conf.json']!, source.file, '10-flannel.conflist').records[0] : undefined;
  if (source && sourceBroken && !isUsable(sourceBroken)) {
    steps.push({ text: `The source is broken too: ConfigMap ${source.namespace}/${source.name} key cni-conf.json has the same problem (${blockingIssues(sourceBroken)[0]?.message ?? 'invalid'}). Fix it there, then restart the agent pods so they copy it again.`, command: `kubectl -n ${source.namespace} edit configmap ${source.name}` });
  }
  if (issue === 'bom') steps.push({ text: `Strip the byte order mark from ${b.path}.`, command: onNode(node.name, `sed -i '1s/^\\xEF\\xBB\\xBF//' ${b.path}`) });
  else if (b.config?.flags.crlf) steps.push({ text: `Convert ${b.path} to Unix line endings while fixing it.`, command: onNode(node.name, `sed -i 's/\\r$//' ${b.path}`) });
  if (b.artifact) steps.push({ text: `Make ${b.path} readable by the runtime again (and check its SELinux label).`, command: onNode(node.name, `chmod 644 ${b.path} && ls -laZ ${b.path}`) });
  if (agentPod && family) {
    steps.push({ text: `${FAMILIES[family].label}'s agent writes ${b.fileName}: restart its pod on ${node.name} so it writes the file again.`, command: `kubectl -n ${agentPod.namespace} delete pod ${agentPod.name}` });
  } else if (!b.artifact && issue !== 'bom') {
    steps.push({ text: `Rewrite ${b.path} from a known-good copy (another node, or the CNI's manifest), or remove it if it is a leftover.` });
  }
  steps.push({ text: `Check the file on the node: cat -A shows a BOM (M-oM-;M-?), CRLF (^M) and where it ends.`, command: onNode(node.name, `cat -A ${b.path} | head -n 60`) });
  steps.push({ text: 'The runtime reloads the conf dir when the file changes; confirm it loaded the network.', command: onNode(node.name, 'crictl info | grep -A2 lastCNILoadStatus') });
  return steps;
}
