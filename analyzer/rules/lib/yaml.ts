/**
 * YAML for the rules, the yaml package loaded the first time a rule parses some. The only YAML a
 * bundle holds is kubeadm's ClusterConfiguration, and yaml is ~80 CommonJS files (50-90 ms of
 * start-up): a bundle without kubeadm-config (k3s, managed clusters, node-only bundles) never loads
 * it. require() resolves 'yaml' to the same file as `import` does (its "node" export).
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let parse: typeof Yaml.parse | undefined;

/** yaml's parse(text): throws on invalid YAML, like the package. */
export function parseYaml(text: string): unknown {
  parse ??= (createRequire(import.meta.url)('yaml') as typeof Yaml).parse;
  return parse(text);
}
