import { describe, expect, it } from 'vitest';
import { lineParsers, parsersForBundle, textParsers, type LineParser, type TextParser } from '../../../analyzer/parsers/index.js';
import { isParseProblem } from '../../../analyzer/parsers/types.js';
import { fixture } from './helpers.js';

/** Deterministic noise so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SAMPLES = [
  fixture('e-cni0-conflict.ip-addr.txt'), fixture('f-leak.iptables-save.txt'), fixture('containerd.log'), fixture('cbr0-pm-sandbox-eth0'),
  fixture('subnet.env'), fixture('pods.json', 'k8s'), fixture('events.json', 'k8s'), fixture('a-exhausted.conntrack-S.txt'),
];

function variants(seed: number): string[] {
  const rnd = prng(seed);
  const out: string[] = ['', '\n', '\ufeff', '\u0000', '{', '[', '"', '\\', '-- --', 'total', '*nat\n-A'];
  for (const s of SAMPLES) {
    for (let k = 0; k < 6; k++) out.push(s.slice(0, Math.floor(rnd() * s.length)));
    const chars = [...s];
    for (let k = 0; k < 40; k++) chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 0x3000));
    out.push(chars.join(''));
  }
  out.push(Array.from({ length: 2000 }, () => String.fromCharCode(Math.floor(rnd() * 0xffff))).join(''));
  return out;
}

const bound = parsersForBundle({ referenceTime: '2026-11-26T00:00:00Z', knownNetworks: ['cbr0'] });
const text: [string, TextParser<unknown>][] = [...Object.entries(textParsers), ...Object.entries(bound.text)];
const line: [string, LineParser<unknown>][] = [...Object.entries(lineParsers), ...Object.entries(bound.line)];

describe('no parser throws on hostile input', () => {
  it.each(text)('text parser %s', (_name, parser) => {
    for (const input of variants(7)) {
      const out = parser.parse(input, 'nodes/n1/cni/networks/cbr0/10.244.1.2');
      expect(Array.isArray(out.records)).toBe(true);
      for (const p of out.problems) expect(p.line).toBeGreaterThanOrEqual(0);
    }
  });

  it.each(line)('line parser %s', (_name, parser) => {
    let n = 0;
    for (const input of variants(11)) {
      for (const l of input.split('\n')) {
        const out = parser.parseLine(l, ++n, 'x.log');
        if (out !== null && isParseProblem(out)) expect(out.line).toBe(n);
      }
    }
  });
});
