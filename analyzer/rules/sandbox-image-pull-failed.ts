/**
 * The runtime cannot pull the pause (sandbox) image, so no sandbox is ever created and the CNI is
 * never called: the same FailedCreatePodSandBox event as a CNI failure, a different layer. Typical
 * on air-gapped or proxied nodes where the runtime's sandbox image still points at registry.k8s.io
 * (containerd-8653), or a bare `pause` image name that no registry has (nixpkgs-39833).
 */
import { defineRule } from './define.js';
import type { Citation, Confidence } from '../model.js';
import type { Symptom } from '../correlate/symptoms.js';
import { logHits, representative } from './lib/node-logs.js';
import { effectiveSandboxImage, registryOf, repositoryOf, sandboxImageSettings, type RuntimeSetting } from './lib/runtime-config.js';

/** containerd: `failed to get sandbox image "registry.k8s.io/pause:3.6": failed to pull image …`. */
const SANDBOX_IMAGE = /failed to get sandbox image "([^"]+)"/i;
/** Pull errors that name an image: containerd, dockershim, CRI-O (`initializing source docker://…`). */
const PULL_IMAGE = /(?:failed (?:pulling|to pull)(?: and unpack)? image|error pulling image|pulling image|failed to resolve reference|pull access denied for|error creating pod sandbox[^"]*?"[^"]*":\s*initializing source) "?(?:docker:\/\/)?([A-Za-z0-9][\w.:/@-]*?)(?:"|,|:\s| |$)/i;
const ANY = new RegExp(`${SANDBOX_IMAGE.source}|${PULL_IMAGE.source}`, 'i');

interface Reason {
  id: 'dns' | 'network' | 'auth' | 'not-found' | 'tls' | 'rate-limit' | 'disk' | 'unknown';
  re: RegExp;
  text: (registry: string) => string;
}

const REASONS: Reason[] = [
  { id: 'dns', re: /lookup \S+?(?: on \S+)?: (?:no such host|server misbehaving|i\/o timeout|temporary failure in name resolution)|no such host|server misbehaving/i, text: (r) => `the node cannot resolve ${r} (its DNS does not know the registry: an air-gapped or split-DNS network)` },
  { id: 'tls', re: /x509:|certificate signed by unknown authority|tls: failed to verify/i, text: (r) => `TLS to ${r} fails: the runtime does not trust the registry's certificate` },
  { id: 'network', re: /dial tcp [^ ]+: (?:i\/o timeout|connect: (?:connection refused|network is unreachable|no route to host))|request canceled|TLS handshake timeout|context deadline exceeded|Client\.Timeout exceeded|proxyconnect/i, text: (r) => `the node cannot reach ${r} (egress firewall, missing proxy settings for the runtime, or an air gap)` },
  { id: 'auth', re: /pull access denied|repository does not exist|may require 'docker login'|401 Unauthorized|403 Forbidden|\bunauthorized\b|authentication required|insufficient_scope/i, text: (r) => `${r} refuses the pull: the image name is wrong or the runtime has no credentials for it` },
  { id: 'rate-limit', re: /429 Too Many Requests|toomanyrequests|rate limit/i, text: (r) => `${r} rate-limits the node's pulls` },
  { id: 'not-found', re: /: not found|manifest unknown|404 Not Found/i, text: (r) => `the image or tag does not exist in ${r}` },
  { id: 'disk', re: /no space left on device/i, text: () => 'unpacking the image fails because the disk is full (see node-disk-pressure)' },
];

function unescape(message: string): string {
  return message.replace(/\\+"/g, '"');
}

/** The image a symptom failed to pull, when it is the sandbox image. */
function failedSandboxImage(symptom: Symptom, configured: readonly string[]): string | undefined {
  const text = unescape(symptom.message);
  const direct = SANDBOX_IMAGE.exec(text)?.[1];
  if (direct) return direct;
  const pulled = PULL_IMAGE.exec(text)?.[1]?.replace(/[.,]$/, '');
  if (!pulled) return undefined;
  // dockershim and CRI-O do not say "sandbox image": accept the pull when it is the pause image.
  if (configured.includes(pulled) || /(^|\/)pause(:|@|$)|infra/.test(pulled)) return pulled;
  return undefined;
}

export default defineRule({
  id: 'sandbox-image-pull-failed',
  title: 'The runtime cannot pull the pause (sandbox) image',
  severity: 'critical',
  cni: false,
  needs: ['runtime/containerd-config-dump.toml', 'runtime/*', 'cri/info.json', 'journal/*.log', 'cluster/configmaps/kube-system/kubeadm-config.json'],
  description:
    'Matches sandbox creation failing on the pause image pull (containerd "failed to get sandbox image", dockershim "failed pulling image \\"pause\\"", CRI-O "initializing source docker://…pause") and says why (DNS, unreachable registry, auth/name, TLS, rate limit). Compares the image with the runtime\'s sandbox_image/pause_image (config dump, config files, crictl info), the kubeadm imageRepository and the other nodes. Not a CNI fault: the CNI is never called.',
  check(ctx) {
    const kubeadm = ctx.evidence.cluster.configmaps.find((c) => c.name === 'kubeadm-config' && c.namespace === 'kube-system');
    const repoMatch = /^imageRepository:\s*"?([^\s"]+)"?/m.exec(kubeadm?.data['ClusterConfiguration'] ?? '');
    const kubeadmRepo = repoMatch?.[1];
    // imageRepository is a registry with an optional path (registry.k8s.io, mirror:5000/k8s), never a bare image name.
    const kubeadmRegistry = kubeadmRepo?.split('/')[0];
    const images = new Map(ctx.nodes.map((n) => [n.name, effectiveSandboxImage(n)]));

    for (const node of ctx.nodes) {
      const name = node.name;
      const settings = sandboxImageSettings(node);
      const configured = [...new Set(settings.map((s) => s.value))];
      const effective = images.get(name);
      const byImage = new Map<string, Symptom[]>();
      for (const s of ctx.symptomsMatching(ANY, name)) {
        const image = failedSandboxImage(s, configured);
        if (!image) continue;
        byImage.set(image, [...(byImage.get(image) ?? []), s]);
      }
      if (byImage.size === 0) continue;
      for (const [image, symptoms] of byImage) {
        const text = unescape(symptoms[0]!.message);
        const registry = registryOf(image);
        const reason = REASONS.find((r) => r.re.test(text));
        const pods = [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))].sort();
        const infraFlag = logHits(ctx, name, /pod-infra-container-image[= "]+([^\s"]+)/, { severities: ['error', 'warning', 'info'], limit: 1 })[0];
        const sameAsConfig = settings.filter((s) => s.value === image);
        const otherConfig = settings.filter((s) => s.value !== image);
        const peers = [...images].filter(([n, s]) => n !== name && s && s.value !== image).map(([n, s]) => ({ node: n, setting: s! }));
        const expected =
          peers.find((p) => !kubeadmRepo || p.setting.value.startsWith(`${kubeadmRepo}/`))?.setting.value ??
          (kubeadmRepo && !image.startsWith(`${kubeadmRepo}/`) ? `${kubeadmRepo}/${repositoryOf(image)}${/:[\w.-]+$/.exec(image)?.[0] ?? ''}` : undefined);

        const citations: Citation[] = [
          ...representative(symptoms).map((s) => s.citation),
          ...sameAsConfig.slice(0, 2).map((s) => ctx.cite(s, s.text)),
          ...otherConfig.slice(0, 1).map((s) => ctx.cite(s, s.text)),
          ...(kubeadmRepo && kubeadm ? [ctx.cite(kubeadm, `kube-system/kubeadm-config ClusterConfiguration imageRepository: ${kubeadmRepo}`)] : []),
          ...peers.slice(0, 1).map((p) => ctx.cite(p.setting, `${p.node}: ${p.setting.text}`)),
          ...(infraFlag ? [ctx.cite(infraFlag.record)] : []),
        ];
        // The node's own runtime config, or the rest of the cluster pulling another image, is the state that agrees.
        const kubeadmDisagrees = kubeadmRegistry !== undefined && registryOf(image) !== kubeadmRegistry;
        const confidence: Confidence = settings.length > 0 || kubeadmDisagrees || peers.length > 0 ? 'high' : 'medium';
        const notes: string[] = [];
        if (sameAsConfig.length > 0) notes.push(`${name}'s runtime is configured with this image (${describe(sameAsConfig[0]!)})`);
        if (otherConfig.length > 0 && sameAsConfig.length === 0) {
          notes.push(`${name}'s runtime config names ${otherConfig[0]!.value} (${describe(otherConfig[0]!)}), not ${image}: the running runtime still uses an older config (edited but not restarted, or a different config file is loaded)`);
        } else if (otherConfig.length > 0) {
          notes.push(`other config sources on ${name} disagree (${otherConfig.map((s) => `${s.value} in ${describe(s)}`).join('; ')}): one of them was edited and the runtime not restarted`);
        }
        if (kubeadmDisagrees) notes.push(`the cluster pulls its images from ${kubeadmRepo} (kubeadm imageRepository), not from ${registry}`);
        if (peers.length > 0) notes.push(`${peers.map((p) => p.node).join(', ')} use${peers.length === 1 ? 's' : ''} ${peers[0]!.setting.value}`);
        if (infraFlag) notes.push(`the kubelet was started with ${/pod-infra-container-image[= "]+[^\s"]+/.exec(infraFlag.text)?.[0] ?? 'a --pod-infra-container-image flag'}`);

        const runtime = settings.some((s) => s.source === 'crio-config') ? 'crio' : 'containerd';
        const configKey = runtime === 'crio' ? 'pause_image' : 'sandbox_image';
        const fixImage = expected ?? '<a pause image your nodes can pull>';
        ctx.report({
          key: `${name}/${image}`,
          confidence,
          message:
            `On ${name}, the runtime cannot pull the sandbox (pause) image ${image}${reason ? `: ${reason.text(registry)}` : ''}. ` +
            `Every pod sandbox on the node starts from this image, so ${pods.length > 0 ? `${pods.slice(0, 3).join(', ')}${pods.length > 3 ? ', …' : ''} fail${pods.length === 1 ? 's' : ''}` : 'new pods fail'} before any CNI plugin runs; the CNI is not at fault. ` +
            (notes.length > 0 ? `What the bundle shows: ${notes.join('; ')}.` : ''),
          scope: { nodes: [name], pods },
          citations,
          remediation: [
            {
              text: `Check which sandbox image the runtime on ${name} really uses and whether it can pull it (use SSH where the node cannot pull the debug image either).`,
              command:
                runtime === 'crio'
                  ? `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'crio config 2>/dev/null | grep -n pause_image; crictl pull ${image}'`
                  : `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'containerd config dump | grep -nE "sandbox_image|sandbox ="; crictl info | grep -i sandboxImage; crictl pull ${image}'`,
            },
            reason?.id === 'auth' || reason?.id === 'not-found'
              ? { text: `Point ${configKey} at a full, existing image reference (registry/repository:tag)${expected ? `, e.g. ${expected}` : ''}, or give the runtime credentials for ${registry}; then restart the runtime.`, command: restartCommand(name, runtime, configKey, fixImage) }
              : expected
                ? { text: `Point ${configKey} at ${expected} and restart the runtime, or import the pause image onto the node (ctr -n k8s.io images import pause.tar) under the configured name.`, command: restartCommand(name, runtime, configKey, fixImage) }
                : { text: `Point ${configKey} at a pause image in a registry ${name} can reach (your mirror) and restart the runtime, or import the image onto the node under the configured name; see what the node already has.`, command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'crictl images | grep -i pause'` },
            ...(reason?.id === 'dns' || reason?.id === 'network' ? [{ text: `If ${registry} should be reachable, fix the node's DNS or the runtime's proxy (HTTPS_PROXY in its systemd unit).`, command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'nslookup ${registry}; systemctl show ${runtime} --property=Environment'` }] : []),
            ...pods.slice(0, 3).map((p) => ({ text: `Let ${p} retry its sandbox after the fix.`, command: `kubectl delete pod -n ${p.split('/')[0]} ${p.split('/')[1]}` })),
          ],
          confirmWith: confidence === 'high' ? [] : [...ctx.missing(name, ['runtime/containerd-config-dump.toml', 'cri/info.json']), `containerd config dump | grep sandbox_image on ${name}`],
          explains: symptoms,
          whyHere: peers.length > 0 ? `${name} uses ${effective?.value ?? image}; ${peers.map((p) => `${p.node} uses ${p.setting.value}`).join(', ')}.` : `${name} cannot pull ${image}.`,
        });
      }
    }
  },
});

function describe(s: RuntimeSetting): string {
  return `${s.text} in ${s.file.replace(/^nodes\/[^/]+\//, '')}`;
}

function restartCommand(node: string, runtime: string, key: string, image: string): string {
  const file = runtime === 'crio' ? '/etc/crio/crio.conf' : '/etc/containerd/config.toml';
  return `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'sed -i "s#^\\([[:space:]]*${key}[[:space:]]*=\\).*#\\1 \\"${image}\\"#" ${file} && systemctl restart ${runtime}'`;
}
