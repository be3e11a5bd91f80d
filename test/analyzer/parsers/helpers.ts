import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isParseProblem, type ParseProblem } from '../../../analyzer/parsers/types.js';

/** Real outputs captured in the lab (fixtures/lab/README.md), or API JSON in the collector's layout (fixtures/k8s). */
export function fixture(name: string, dir: 'lab' | 'k8s' = 'lab'): string {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${dir}/${name}`, import.meta.url)), 'utf8');
}

export function asProblem(v: unknown): ParseProblem {
  if (!isParseProblem(v)) throw new Error(`expected a ParseProblem, got ${JSON.stringify(v)}`);
  return v;
}
