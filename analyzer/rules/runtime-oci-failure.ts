/**
 * The OCI runtime (runc, crun, kata…) fails to create the sandbox's pause container, so the
 * sandbox never exists and the CNI is never called: `failed to start sandbox container task …:
 * failed to create shim task: OCI runtime create failed: runc create failed: …`. The usual causes
 * are a cgroup driver that differs between the kubelet and the runtime (k8s-107403), cgroups the
 * runtime cannot see (`no cgroup mount found in mountinfo`), and runc's init dying
 * (`can't get final child's PID from pipe: EOF`, e.g. oom_score_adj without CAP_SYS_RESOURCE).
 */
import { defineRule } from './define.js';
import type { Citation, Confidence, RemediationStep } from '../model.js';
import { logHits, podsOf, citationKeys, representative } from './lib/node-logs.js';
import { runtimeCgroupDriver, type CgroupDriver, type CgroupDriverSetting } from './lib/runtime-config.js';

const OCI = /OCI runtime (?:create|start|exec|state|delete) failed|\b(?:runc|crun|runsc) (?:create|run|start|init) failed|failed to create shim(?: task)?\b|failed to start sandbox container(?: task)?|failed to create containerd task|can't get final child's PID from pipe|no cgroup mount found in mountinfo|cgroup-parent for systemd cgroup|expected cgroupsPath to be of format|misconfiguration: kubelet cgroup driver|is different from docker cgroup driver|systemd cgroup flag passed, but systemd support for managing cgroups is not available|error during container init|container init caused|unable to start container process|no runtime for "[^"]+" is configured|unknown runtime handler|RuntimeHandler "[^"]+" not supported|failed to get sandbox runtime|fork\/exec \S*(?:runc|crun|runsc|kata)\S*|exec: "(?:runc|crun|runsc)": executable file not found|conmon (?:failed|error)/i;
/** A log line is about the sandbox (not an app container whose command is wrong) or the kubelet itself. */
const SANDBOX_CONTEXT = /sandbox|RunPodSandbox|CreatePodSandbox|misconfiguration: kubelet cgroup driver|failed to run kubelet|cgroup driver/i;
const KUBELET_DRIVER = /cgroupDriver="?(systemd|cgroupfs)"?|"CgroupDriver":"(systemd|cgroupfs)"|--cgroup-driver[= ](systemd|cgroupfs)/i;

type CauseId = 'cgroup-driver' | 'cgroup-mount' | 'init' | 'runtime-missing' | 'resources' | 'other';

const CAUSES: { id: CauseId; re: RegExp; text: string }[] = [
  {
    id: 'cgroup-driver',
    re: /cgroup-parent for systemd cgroup|expected cgroupsPath to be of format|cgroup driver[^\n]{0,60}is different from|misconfiguration: kubelet cgroup driver|systemd cgroup flag passed, but systemd support/i,
    text: 'the kubelet and the runtime use different cgroup drivers (systemd vs cgroupfs), so the cgroup path the kubelet asks for is one the runtime refuses',
  },
  { id: 'cgroup-mount', re: /no cgroup mount found in mountinfo|cgroup mountpoint does not exist|cannot find cgroup mount destination/i, text: 'runc sees no cgroup filesystem in its mount namespace (the runtime was started inside a namespace that hides /sys/fs/cgroup, or cgroups are not mounted)' },
  { id: 'init', re: /can't get final child's PID from pipe|read init-p|nsexec|oom_score_adj|child exited/i, text: "runc's init process died while setting up the container (oom_score_adj or capabilities it may not set, seccomp/LSM denial, memory pressure)" },
  { id: 'runtime-missing', re: /no runtime for "[^"]+" is configured|unknown runtime handler|RuntimeHandler "[^"]+" not supported|failed to get sandbox runtime|executable file not found|fork\/exec/i, text: 'the runtime handler or its binary is missing (a RuntimeClass handler not configured in the runtime, or runc not installed)' },
  { id: 'resources', re: /cannot allocate memory|pids\.max|too many open files|resource temporarily unavailable/i, text: 'the node ran out of a kernel resource (memory, pids, file descriptors) while creating the container' },
];

function unescape(message: string): string {
  return message.replace(/\\+"/g, '"');
}

/** What the error text itself says about the kubelet's and the runtime's cgroup drivers. */
function driversFromText(text: string): { kubelet?: CgroupDriver; runtime?: CgroupDriver } {
  const mis = /kubelet cgroup driver: "(systemd|cgroupfs)" is different from (?:docker|container runtime) cgroup driver: "(systemd|cgroupfs)"/i.exec(text);
  if (mis) return { kubelet: mis[1] as CgroupDriver, runtime: mis[2] as CgroupDriver };
  // runc with SystemdCgroup=true handed a cgroupfs path (/kubepods/...): the kubelet uses cgroupfs.
  if (/expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "\//i.test(text)) return { kubelet: 'cgroupfs', runtime: 'systemd' };
  // dockershim with docker on systemd and the kubelet on cgroupfs.
  if (/cgroup-parent for systemd cgroup/i.test(text)) return { kubelet: 'cgroupfs', runtime: 'systemd' };
  if (/systemd cgroup flag passed, but systemd support/i.test(text)) return { runtime: 'systemd' };
  return {};
}

export default defineRule({
  id: 'runtime-oci-failure',
  title: 'The OCI runtime fails to create the sandbox container',
  severity: 'critical',
  cni: false,
  needs: ['journal/kubelet.log', 'journal/containerd.log', 'journal/crio.log', 'runtime/containerd-config-dump.toml', 'runtime/*', 'cri/info.json', 'system/mounts.txt'],
  description:
    'Matches sandbox creation failing in the OCI runtime ("OCI runtime create failed", "runc create failed", "failed to create shim task", "can\'t get final child\'s PID from pipe: EOF", "no cgroup mount found in mountinfo", cgroupsPath/cgroup-parent errors and the kubelet\'s "misconfiguration: kubelet cgroup driver") and checks the cause against node state: the runtime\'s SystemdCgroup/cgroup_manager against the kubelet\'s driver, and the cgroup mounts. Not a CNI fault: the CNI is never called.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const name = node.name;
      const symptoms = ctx.symptomsMatching(OCI, name);
      const logs = logHits(ctx, name, OCI, { exclude: citationKeys(symptoms), limit: 10 }).filter((h) => SANDBOX_CONTEXT.test(h.text) && !h.file.startsWith('cluster/'));
      if (symptoms.length === 0 && logs.length === 0) continue;
      const texts = [...symptoms.map((s) => unescape(s.message)), ...logs.map((l) => unescape(l.text))];
      const cause = CAUSES.find((c) => texts.some((t) => c.re.test(t)));
      const stated = texts.map(driversFromText).find((d) => d.kubelet || d.runtime) ?? {};
      const runtimeSettings = runtimeCgroupDriver(node);
      const kubeletLine = logHits(ctx, name, KUBELET_DRIVER, { severities: ['error', 'warning', 'info'], limit: 1 }).find((h) => /kubelet/.test(h.where));
      const kubeletDriver = (kubeletLine ? (KUBELET_DRIVER.exec(kubeletLine.text)?.slice(1).find(Boolean)?.toLowerCase() as CgroupDriver | undefined) : undefined) ?? stated.kubelet;
      const runtimeSetting: CgroupDriverSetting | undefined = runtimeSettings.find((s) => s.source === 'cri-info') ?? runtimeSettings.find((s) => s.source !== 'containerd-config-file') ?? runtimeSettings[0];
      const runtimeDriver = runtimeSetting?.driver ?? stated.runtime;
      const cgroupMounts = node.mounts.filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2');

      const citations: Citation[] = [...representative(symptoms).map((s) => s.citation), ...logs.slice(0, 2).map((l) => ctx.cite(l.record))];
      const notes: string[] = [];
      let confirmed = false;
      if (cause?.id === 'cgroup-driver') {
        if (runtimeSetting) citations.push(ctx.cite(runtimeSetting, runtimeSetting.text));
        if (kubeletLine) citations.push(ctx.cite(kubeletLine.record));
        if (kubeletDriver && runtimeDriver && kubeletDriver !== runtimeDriver) {
          notes.push(`the kubelet uses ${kubeletDriver}${kubeletLine ? '' : ' (as the error shows)'} while the runtime uses ${runtimeDriver}${runtimeSetting ? ` (${runtimeSetting.text} in ${runtimeSetting.file.replace(/^nodes\/[^/]+\//, '')})` : ''}`);
          confirmed = runtimeSetting !== undefined || kubeletLine !== undefined || (stated.kubelet !== undefined && stated.runtime !== undefined);
        }
      } else if (cause?.id === 'cgroup-mount') {
        if (node.mounts.length > 0 && cgroupMounts.length === 0) {
          notes.push(`the node's mount table has no cgroup or cgroup2 mount at all`);
          citations.push(ctx.cite({ file: node.mounts[0]!.file, line: 0 }, `${node.mounts.length} mounts, none of type cgroup/cgroup2`));
          confirmed = true;
        } else if (cgroupMounts.length > 0) {
          notes.push(`the host does mount cgroups (${cgroupMounts[0]!.fsType} on ${cgroupMounts[0]!.target}), so the runtime runs in a mount namespace that hides them (started through ip netns exec or a unit with a private /sys)`);
          citations.push(ctx.cite(cgroupMounts[0]!, `${cgroupMounts[0]!.source} ${cgroupMounts[0]!.target} ${cgroupMounts[0]!.fsType}`));
          confirmed = true;
        }
      }
      const pods = podsOf(symptoms);
      const selfProving = cause?.id === 'cgroup-driver' && stated.kubelet !== undefined && stated.runtime !== undefined;
      const confidence: Confidence = confirmed || selfProving ? 'high' : symptoms.length > 0 || logs.length > 0 ? 'medium' : 'low';
      const runtime = node.journals.has('crio') && (node.journals.get('crio')?.records.length ?? 0) > 0 ? 'crio' : node.journals.has('docker') && (node.journals.get('docker')?.records.length ?? 0) > 0 ? 'docker' : 'containerd';
      const first = texts[0] ?? '';
      // The kubelet checks its driver against the runtime's at start and exits: no sandbox is ever asked for.
      const kubeletFatal = symptoms.length === 0 && logs.some((l) => /failed to run kubelet|misconfiguration: kubelet cgroup driver/i.test(l.text));
      const inner =
        /(failed to run Kubelet: .*?)"?$/i.exec(first)?.[1] ?? /OCI runtime create failed: (.*?)(?:: unknown)?"?$/.exec(first)?.[1] ?? /desc = (.*)$/.exec(first)?.[1] ?? first;
      ctx.report({
        key: name,
        confidence,
        message:
          (kubeletFatal
            ? `On ${name}, the kubelet refuses to start${cause?.id === 'cgroup-driver' ? ': it and the container runtime use different cgroup drivers (systemd vs cgroupfs), which it checks before running any pod' : ''}. The kubelet says: `
            : `On ${name}, the OCI runtime fails to create the sandbox (pause) container${cause ? `: ${cause.text}` : ''}. The runtime error is: `) +
          `${inner.length > 300 ? `${inner.slice(0, 300)}…` : inner}. ` +
          (notes.length > 0 ? `${notes.map((n) => n[0]!.toUpperCase() + n.slice(1)).join('; ')}. ` : '') +
          `${pods.length > 0 ? `${pods.slice(0, 3).join(', ')}${pods.length > 3 ? ', …' : ''} cannot start` : symptoms.length === 0 ? 'The kubelet cannot run pods on the node' : 'Pods on the node cannot start'}; the CNI is never called, so CNI changes will not help.`,
        scope: { nodes: [name], pods },
        citations,
        remediation: remediation(name, cause?.id ?? 'other', runtime, kubeletDriver, runtimeDriver, pods),
        confirmWith:
          confidence === 'high'
            ? []
            : cause?.id === 'cgroup-driver'
              ? [`grep cgroupDriver /var/lib/kubelet/config.yaml on ${name}`, `${runtime === 'crio' ? 'crio config | grep cgroup_manager' : 'containerd config dump | grep SystemdCgroup'} on ${name}`, ...ctx.missing(name, ['runtime/containerd-config-dump.toml'])]
              : [`journalctl -u ${runtime} around the failure on ${name}`, `dmesg | tail -50 on ${name} (runc init, OOM, LSM denials)`],
        explains: symptoms,
        whyHere: notes[0] ? `On ${name}, ${notes[0]}.` : `${name}'s runtime fails to create containers.`,
      });
    }
  },
});

function remediation(node: string, cause: CauseId, runtime: string, kubelet: CgroupDriver | undefined, rt: CgroupDriver | undefined, pods: string[]): RemediationStep[] {
  const debug = (cmd: string) => `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c '${cmd}'`;
  const steps: RemediationStep[] = [];
  switch (cause) {
    case 'cgroup-driver':
      steps.push(
        {
          text: `Compare the two drivers on ${node}: the kubelet's cgroupDriver and the runtime's ${runtime === 'crio' ? 'cgroup_manager' : 'SystemdCgroup'}.`,
          command: debug(`grep -n cgroupDriver /var/lib/kubelet/config.yaml; ${runtime === 'crio' ? 'crio config 2>/dev/null | grep -n cgroup_manager' : runtime === 'docker' ? 'docker info 2>/dev/null | grep -i "cgroup driver"' : 'containerd config dump | grep -n SystemdCgroup'}`),
        },
        {
          text: `Make them equal: systemd on systemd hosts (and required with cgroup v2). ${kubelet && rt ? `Here the kubelet says ${kubelet} and the runtime ${rt}: change the one that differs from the rest of the cluster, ` : ''}then restart the runtime and the kubelet.`,
          command: debug(runtime === 'crio' ? `systemctl restart crio kubelet` : runtime === 'docker' ? `systemctl restart docker kubelet` : `systemctl restart containerd kubelet`),
        },
      );
      break;
    case 'cgroup-mount':
      steps.push(
        { text: `Check that cgroups are mounted where the runtime runs on ${node}.`, command: debug(`grep cgroup /proc/self/mountinfo | head; grep cgroup /proc/$(pidof ${runtime === 'crio' ? 'crio' : 'containerd'})/mountinfo | head`) },
        { text: 'Start the runtime in the host mount namespace (nsenter --net instead of ip netns exec, no private /sys in its unit), then restart it.', command: debug(`systemctl restart ${runtime}`) },
      );
      break;
    case 'init':
      steps.push(
        { text: `Read why runc's init died on ${node}: the runtime journal and the kernel log around the failure.`, command: debug(`journalctl -u ${runtime} --since -30min | grep -iE "nsexec|oom_score_adj|runc" | tail; dmesg | tail -30`) },
        { text: 'Where the runtime lacks CAP_SYS_RESOURCE (nested or rootless nodes), set restrict_oom_score_adj = true in the CRI config; otherwise look for seccomp/AppArmor/SELinux denials or memory pressure.' },
      );
      break;
    case 'runtime-missing':
      steps.push(
        { text: `Check the runtime handlers configured on ${node} against the pods' RuntimeClass.`, command: debug(`${runtime === 'crio' ? 'crio config 2>/dev/null | grep -A3 "crio.runtime.runtimes"' : 'containerd config dump | grep -A3 "runtimes\\."'}; command -v runc crun`) },
        { text: 'Install the missing runtime binary or add the handler to the runtime config, then restart the runtime.', command: 'kubectl get runtimeclass -o wide' },
      );
      break;
    default:
      steps.push({ text: `Read the runtime's own error around the failure on ${node}.`, command: debug(`journalctl -u ${runtime} --since -30min | grep -iE "OCI runtime|runc|shim" | tail -20`) });
  }
  for (const p of pods.slice(0, 3)) steps.push({ text: `Let ${p} retry its sandbox after the fix.`, command: `kubectl delete pod -n ${p.split('/')[0]} ${p.split('/')[1]}` });
  return steps;
}

