/**
 * A plugin type named by the active CNI config (main, chained, IPAM or delegate) has no binary in
 * the runtime's CNI bin dir: `failed to find plugin "flannel" in path [/opt/cni/bin]`.
 */
import type { LsEntryRecord } from '../parsers/index.js';
import { defineRule } from './define.js';

const NOT_FOUND = /failed to find plugin "([^"]+)" in path \[([^\]]*)\]/;

export default defineRule({
  id: 'cni-plugin-missing',
  title: 'A CNI plugin binary the config needs is missing',
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d/*', 'cni/bin.ls'],
  description:
    'Every plugin type in the config libcni loads (the lexically first .conf/.conflist/.json in net.d), chained plugins, IPAM types and flannel/multus delegates included, must exist as an executable in the bin dir. Also matches the runtime\'s own "failed to find plugin" error.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const errors = ctx.symptomsMatching(NOT_FOUND, node.name);
      const active = node.cniConfigs.find((c) => c.loadedByLibcni && !c.flags.invalidJson && !c.flags.empty);
      const listing = node.binListing?.filter((r): r is LsEntryRecord => r.kind === 'ls-entry') ?? null;
      const present = new Map((listing ?? []).map((e) => [e.name, e]));
      const wanted = new Map<string, { line: number }>();
      if (active) {
        for (const plugin of active.plugins) {
          if (plugin.type) wanted.set(plugin.type, { line: plugin.line });
          if (plugin.ipam?.type) wanted.set(plugin.ipam.type, { line: plugin.line });
          for (const t of plugin.delegateTypes) wanted.set(t, { line: plugin.line });
        }
      }
      const missingByListing = listing
        ? [...wanted].filter(([type]) => {
            const entry = present.get(type);
            return !entry || entry.fileType === 'directory' || (!entry.executable && entry.fileType !== 'symlink');
          })
        : [];
      const missingByError = [...new Set(errors.map((s) => NOT_FOUND.exec(s.message)![1]!))];
      const types = [...new Set([...missingByListing.map(([t]) => t), ...missingByError])].sort();
      if (types.length === 0) continue;

      if (!listing && missingByError.length > 0) {
        ctx.notEnoughEvidence({
          scope: { nodes: [node.name] },
          reason: `the runtime on ${node.name} cannot find ${missingByError.join(', ')}, but the bundle has no listing of the CNI bin dir to show what is there`,
          missing: ctx.missing(node.name, ['cni/bin.ls']),
        });
      }
      const pods = [...new Set(errors.map((s) => s.pod).filter((p): p is string => p !== null))];
      const binDir = NOT_FOUND.exec(errors[0]?.message ?? '')?.[2] ?? '/opt/cni/bin';
      const citations = [
        ...errors.slice(0, 2).map((s) => s.citation),
        ...missingByListing.slice(0, 3).map(([type, where]) => ctx.cite({ file: active!.file, line: where.line }, `"type": "${type}"`)),
      ];
      if (listing && node.binListing) {
        const total = node.binListing.find((r) => r.kind === 'ls-total');
        citations.push(ctx.cite(total ?? { file: node.binListing[0]?.file ?? `nodes/${node.name}/cni/bin.ls`, line: 0 }, `${binDir} holds ${listing.filter((e) => e.fileType !== 'directory').map((e) => e.name).join(' ')}`));
      }
      const agent = types.find((t) => /flannel|calico|cilium|aws-cni|weave|antrea/.test(t));
      // The runtime searched another dir than the one listed, and the listed one has the plugin:
      // then the binary is not missing, the runtime looks in the wrong place (runtime-cni-path-mismatch).
      const listedSource = ctx.artifact(node.name, 'cni/bin.ls')?.source;
      const listedDir = listedSource?.kind === 'file' ? listedSource.path : '/opt/cni/bin';
      const elsewhere = missingByListing.length === 0 && missingByError.length > 0 && !binDir.split(/\s+/).includes(listedDir) && missingByError.every((t) => present.has(t));
      ctx.report({
        key: node.name,
        confidence: elsewhere ? 'medium' : listing && (missingByError.length > 0 || missingByListing.length > 0) ? 'high' : 'medium',
        message: `On ${node.name}, ${active ? `${active.fileName} ` : 'the CNI config '}needs the plugin${types.length > 1 ? 's' : ''} ${types.map((t) => `"${t}"`).join(', ')}, which ${types.length > 1 ? 'are' : 'is'} not in ${binDir}. Every sandbox ADD and DEL on the node fails until the binary is back.`,
        scope: { nodes: [node.name], pods },
        citations,
        remediation: [
          agent
            ? { text: `The ${agent} binary is installed by its DaemonSet's init container; restart the agent pod on ${node.name} so it copies the plugin again, then check the init container log.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node.name} | grep -Ei '${agent}'` }
            : { text: `Install the missing plugin${types.length > 1 ? 's' : ''} into ${binDir} on ${node.name} (the distribution's containernetworking-plugins package, or the CNI's installer).` },
          { text: `Check that the runtime looks in the same directory the CNI installs into (containerd bin_dir, CRI-O plugin_dirs).`, command: `kubectl debug node/${node.name} -it --image=busybox:1.36 -- chroot /host ls -la ${binDir}` },
        ],
        confirmWith: listing ? [] : [`ls -la ${binDir} on ${node.name}`],
        explains: errors,
        whyHere: `${types.join(', ')} is missing from ${binDir} on ${node.name} only.`,
      });
    }
  },
});
