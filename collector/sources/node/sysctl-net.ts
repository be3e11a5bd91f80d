import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'sysctl-net',
  scope: 'node',
  output: 'forwarding, rp_filter, IPv6, bridge-netfilter and conntrack sysctls; an unknown key (no br_netfilter) is kept in stderr',
  run: [
    {
      kind: 'command',
      argv: [
        'sysctl',
        'net.ipv4.ip_forward',
        'net.ipv4.conf.all.rp_filter',
        'net.ipv4.conf.default.rp_filter',
        'net.ipv6.conf.all.disable_ipv6',
        'net.ipv6.conf.all.forwarding',
        'net.bridge.bridge-nf-call-iptables',
        'net.bridge.bridge-nf-call-ip6tables',
        'net.netfilter.nf_conntrack_max',
        'net.netfilter.nf_conntrack_count',
        'net.ipv4.ip_local_port_range',
      ],
      to: nodePaths.sysctlNet(NODE),
      // procps sysctl exits 255 on an unknown key but still prints the known ones.
      okExitCodes: [0, 255],
    },
  ],
});
