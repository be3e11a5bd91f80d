/**
 * Samples produced by the real-software lab (`npm run lab -- <scenario>`): real CNI plugins,
 * containerd and runc on this machine, so every runtime and plugin message in them is real.
 */
import type { SampleExpectation } from './kit.js';

export interface LabSample {
  name: string;
  scenario: string;
  description: string;
  expect: SampleExpectation;
}

const node = 'lab-node-1';

export const LAB_SAMPLES: readonly LabSample[] = [
  { name: 'podcidr-mismatch', scenario: 'cni0-conflict', description: 'cni0 keeps 10.244.1.1/24 after flannel moved the node to 10.244.7.0/24', expect: { ruleId: 'podcidr-mismatch', pod: 'default/web-1', node } },
  { name: 'cni-plugin-missing', scenario: 'missing-plugin', description: 'a flannel conflist with no flannel binary in /opt/cni/bin', expect: { ruleId: 'cni-plugin-missing', pod: 'default/web-0', node } },
  { name: 'ipam-exhausted', scenario: 'ipam-exhausted', description: 'a host-local range of one address, held by a running pod', expect: { ruleId: 'ipam-exhausted', pod: 'default/web-1', node } },
  { name: 'cni-config-invalid', scenario: 'invalid-conflist', description: 'a truncated conflist: the runtime never initializes CNI', expect: { ruleId: 'cni-config-invalid', pod: 'default/web-0', node } },
  { name: 'cni-config-missing', scenario: 'no-cni-config', description: 'an empty /etc/cni/net.d: cni plugin not initialized', expect: { ruleId: 'cni-config-missing', pod: 'default/web-0', node } },
  { name: 'cni-version-unsupported', scenario: 'unsupported-cniversion', description: 'cniVersion 1.1.0 against plugins that support up to 1.0.0', expect: { ruleId: 'cni-version-unsupported', pod: 'default/web-0', node } },
  { name: 'ipam-leaked', scenario: 'leaked-reservations', description: 'reservations of sandboxes that died in a crash fill the range', expect: { ruleId: 'ipam-leaked', pod: 'default/web-2', node } },
  { name: 'cni-cache-corrupt', scenario: 'empty-results-cache', description: 'a 0-byte libcni result cache file makes StopPodSandbox fail', expect: { ruleId: 'cni-cache-corrupt', pod: 'default/web-0', node } },
  { name: 'iptables-backend-mismatch', scenario: 'iptables-legacy-and-nft', description: 'KUBE chains in the legacy backend while the CNI writes nf_tables', expect: { ruleId: 'iptables-backend-mismatch', pod: null, node } },
];
