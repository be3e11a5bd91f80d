/**
 * Kubelet is not packaged in Debian, so the lab writes kubelet's journal lines by hand, in
 * kubelet's klog format, around the real error text the runtime returned over CRI. Only the
 * framing is hand-written; every `desc = ...` is containerd's own answer. Each entry carries
 * CNI_EVIDENCE_LAB=hand-written in the journal so nobody mistakes it for a real kubelet.
 */
import type { CriError } from './cri.js';
import type { LabPod } from './containerd.js';

export interface JournalLine {
  unit: string;
  pid: number;
  time: Date;
  priority: number;
  message: string;
  handWritten: boolean;
}

/** Go's %q for the ASCII text kubelet quotes (JSON escaping agrees with it there). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

const KUBELET_PID = 2491;

function klogHeader(severity: 'I' | 'W' | 'E', time: Date, where: string): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const micros = String(time.getUTCMilliseconds() * 1000 + ((time.getTime() * 7) % 1000)).padStart(6, '0');
  return `${severity}${p2(time.getUTCMonth() + 1)}${p2(time.getUTCDate())} ${p2(time.getUTCHours())}:${p2(time.getUTCMinutes())}:${p2(time.getUTCSeconds())}.${micros} ${String(KUBELET_PID).padStart(7)} ${where}]`;
}

export class KubeletLog {
  readonly lines: JournalLine[] = [];

  private add(severity: 'I' | 'W' | 'E', where: string, message: string, pairs: Array<[string, string]>): void {
    const time = new Date();
    const kv = pairs.map(([k, v]) => ` ${k}=${v}`).join('');
    this.lines.push({
      unit: 'kubelet',
      pid: KUBELET_PID,
      time,
      priority: severity === 'E' ? 3 : severity === 'W' ? 4 : 6,
      message: `${klogHeader(severity, time, where)} ${goQuote(message)}${kv}`,
      handWritten: true,
    });
  }

  sandboxStarted(pod: LabPod): void {
    this.add('I', 'kuberuntime_manager.go:1045', 'Created PodSandbox for pod', [
      ['podSandboxID', goQuote(pod.id ?? '')],
      ['pod', goQuote(`${pod.namespace}/${pod.name}`)],
    ]);
  }

  runPodSandboxFailed(pod: LabPod, error: CriError): void {
    const err = error.rpcText;
    const podRef = goQuote(`${pod.namespace}/${pod.name}`);
    const full = `${pod.name}_${pod.namespace}(${pod.uid})`;
    this.add('E', 'remote_runtime.go:193', 'RunPodSandbox from runtime service failed', [['err', goQuote(err)]]);
    this.add('E', 'kuberuntime_sandbox.go:72', 'Failed to create sandbox for pod', [['err', goQuote(err)], ['pod', podRef]]);
    this.add('E', 'kuberuntime_manager.go:1166', 'CreatePodSandbox for pod failed', [['err', goQuote(err)], ['pod', podRef]]);
    const syncErr = `failed to "CreatePodSandbox" for "${full}" with CreatePodSandboxError: ${goQuote(`Failed to create sandbox for pod ${goQuote(full)}: ${err}`)}`;
    this.add('E', 'pod_workers.go:1300', 'Error syncing pod, skipping', [['err', goQuote(syncErr)], ['pod', podRef], ['podUID', goQuote(pod.uid)]]);
  }

  stopPodSandboxFailed(pod: LabPod, id: string, error: CriError): void {
    const err = error.rpcText;
    this.add('E', 'remote_runtime.go:222', 'StopPodSandbox from runtime service failed', [['err', goQuote(err)], ['podSandboxID', goQuote(id)]]);
    this.add('E', 'kuberuntime_manager.go:1021', 'Failed to stop sandbox', [['podSandboxID', `{"Type":"containerd","ID":${goQuote(id)}}`]]);
    const killErr = `failed to "KillPodSandbox" for "${pod.uid}" with KillPodSandboxError: ${goQuote(err)}`;
    this.add('E', 'pod_workers.go:1300', 'Error syncing pod, skipping', [['err', goQuote(killErr)], ['pod', goQuote(`${pod.namespace}/${pod.name}`)], ['podUID', goQuote(pod.uid)]]);
  }
}
