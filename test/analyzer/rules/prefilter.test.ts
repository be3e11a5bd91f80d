/**
 * The rules' literal prefilters (analyzer/rules/lib/prefilter.ts) must never reject a text the
 * regex matches: checked on hand-picked regexes, on every agent-log pattern the rules share, and
 * on random regexes against random texts over a small alphabet (where matches are frequent).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as agents from '../../../analyzer/rules/lib/agents.js';
import { anyOf, mayMatch, prefilterOf, requiredLiterals, searchTest } from '../../../analyzer/rules/lib/prefilter.js';

const literalsOf = (re: RegExp) => requiredLiterals(re)?.literals ?? null;

describe('requiredLiterals', () => {
  it('takes the literals every match contains', () => {
    expect(literalsOf(/no space left on device/)).toEqual(['no space left on device']);
    expect(literalsOf(/https?:\/\/x/)).toEqual(['http://x', 'https://x']);
    expect(literalsOf(/x{2,3}y/)).toEqual(['xxy']);
    expect(literalsOf(/\bENOSPC\b|disk ?pressure/i)).toEqual(['enospc', 'diskpressure', 'disk pressure']);
    // A lookbehind and \b consume nothing: the literal around them is still one run.
    expect(literalsOf(/(?<![\w.])\[?[0-9]{3}\]?:(?:443|6443)\b/)).toEqual([':443', ':6443']);
    expect(literalsOf(/eviction manager:.*(?:ephemeral-storage|nodefs)/i)).toEqual(['eviction manager:']);
    // One literal inside another: the shorter one is enough.
    expect(literalsOf(/unauthorized|connection is unauthorized/i)).toEqual(['unauthorized']);
  });

  it('gives no prefilter when a match may lack every literal, or the regex is beyond the parser', () => {
    expect(literalsOf(/a*/)).toBeNull();
    expect(literalsOf(/foo|b/)).toBeNull();
    expect(literalsOf(/(?:abc)?def/)).toEqual(['def']);
    expect(literalsOf(/(?:abc)?d/)).toBeNull();
    expect(literalsOf(/(abc)\1/)).toBeNull(); // backreferences are refused
    expect(literalsOf(/\1(abc)/)).toBeNull();
    expect(literalsOf(/abc/g)).toBeNull(); // stateful: lastIndex decides too
    expect(literalsOf(/abc/y)).toBeNull();
    expect(literalsOf(/abc/u)).toBeNull(); // Unicode case folding
    expect(literalsOf(/é{2}abc/)).toEqual(['abc']);
    expect(literalsOf(/a{/)).toBeNull();
  });

  it('matches case-insensitively when the regex does', () => {
    const pf = prefilterOf(/Failed to create SubnetManager/i)!;
    expect(mayMatch(pf, 'E1122 failed to create subnetmanager: x')).toBe(true);
    expect(mayMatch(pf, 'E1122 failed to create subnet manager')).toBe(false);
    expect(mayMatch(prefilterOf(/Failed to create SubnetManager/)!, 'failed to create subnetmanager')).toBe(false);
    expect(searchTest(/a[bc]d+e{2,}/, 'xxabddeee')).toBe(true);
  });

  it('joins the literals of several regexes', () => {
    expect(anyOf([/Unauthorized/i, /no space left/, /unauthorized token/])?.literals).toEqual(['unauthorized', 'no space left']);
    expect(anyOf([/abc/, /def/])?.ignoreCase).toBe(false);
    expect(anyOf([/abc/, /x*/])).toBeNull();
    const any = anyOf([/No Space/, /token expired/i])!;
    expect(mayMatch(any, 'TOKEN EXPIRED')).toBe(true);
    expect(mayMatch(any, 'no space')).toBe(true); // case-insensitive for all: more texts pass, never fewer
    expect(mayMatch(any, 'nothing')).toBe(false);
  });

  it('finds literals for the agent-log patterns the rules share', () => {
    for (const re of [agents.APISERVER_UNREACHABLE, agents.UNAUTHORIZED, agents.KERNEL, agents.BPFFS, agents.PODCIDR_MISSING, agents.PODCIDR_OUTSIDE, agents.INTERFACE_STATE]) {
      expect(requiredLiterals(re), String(re)).not.toBeNull();
    }
  });
});

/** Texts that come near the literals of a regex: its literals cut, recased and glued to noise. */
function nearTexts(re: RegExp): fc.Arbitrary<string> {
  const words = re.source.split(/[^A-Za-z0-9 :/_.-]+/).filter((w) => w.length > 0);
  const piece = fc.oneof(
    fc.constantFrom(...words),
    fc.constantFrom(...words).chain((w) => fc.tuple(fc.nat(w.length), fc.nat(w.length)).map(([a, b]) => w.slice(Math.min(a, b), Math.max(a, b)))),
    fc.string({ maxLength: 6 }),
    fc.constantFrom(' ', ':', '/', '"', '443', '6443', '10.96.0.1', 'dial tcp ', 'https://', 'i/o timeout', 'EOF'),
  );
  return fc.array(fc.tuple(piece, fc.boolean()), { maxLength: 12 }).map((parts) => parts.map(([p, up]) => (up ? p.toUpperCase() : p)).join(''));
}

describe('soundness: the prefilter passes every text the regex matches', () => {
  const shared = [agents.APISERVER_UNREACHABLE, agents.UNAUTHORIZED, agents.KERNEL, agents.BPFFS, agents.PODCIDR_MISSING, agents.PODCIDR_OUTSIDE, agents.INTERFACE_STATE, agents.CALICO_NODENAME, agents.FLANNEL_SUBNET_ENV];

  it('the joined literals of the shared patterns pass whatever one of them matches', () => {
    const any = anyOf(shared);
    fc.assert(
      fc.property(fc.constantFrom(...shared).chain((re) => nearTexts(re)), (text) => {
        if (shared.some((re) => re.test(text))) expect(mayMatch(any, text), JSON.stringify(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it.each(shared.map((re) => [String(re).slice(0, 60), re] as const))('%s', (_name, re) => {
    const pf = prefilterOf(re);

    fc.assert(
      fc.property(nearTexts(re), (text) => {
        if (!re.test(text)) return;

        expect(mayMatch(pf, text), JSON.stringify(text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  /** A random regex with a way to write texts it (often) matches: choices come from `pick`. */
  interface Gen {
    src: string;
    sample(pick: () => number): string;
  }
  const one = <T,>(items: readonly T[], pick: () => number): T => items[Math.floor(pick() * items.length) % items.length]!;
  const fixed = (src: string, text: string): Gen => ({ src, sample: () => text });
  const choice = (src: string, texts: readonly string[]): Gen => ({ src, sample: (pick) => one(texts, pick) });
  const WORDS: Gen[] = [fixed('abc', 'abc'), fixed('bca', 'bca'), fixed('cab', 'cab'), fixed('abca', 'abca'), fixed('b c', 'b c'), fixed('a\\.b', 'a.b'), fixed('\\x61bc', 'abc'), fixed('Ab\\u0063', 'Abc')];
  const ATOMS: Gen[] = [
    fixed('a', 'a'), fixed('b', 'b'), fixed('c', 'c'), fixed('A', 'A'), fixed(' ', ' '), fixed('ca', 'ca'),
    fixed('\\.', '.'), fixed('\\x61', 'a'), fixed('\\u0062', 'b'), fixed('\\b', ''), fixed('\\B', ''), fixed('^', ''), fixed('$', ''),
    choice('.', ['a', 'b', ' ']), choice('[ab]', ['a', 'b']), choice('[^a]', ['b', 'c']), choice('\\w', ['a', 'c']), choice('\\s', [' ']),
  ];
  const QUANTIFIERS: { q: string; reps: readonly number[] }[] = [
    { q: '', reps: [1] }, { q: '', reps: [1] }, { q: '', reps: [1] }, { q: '?', reps: [0, 1] }, { q: '*', reps: [0, 1, 2] }, { q: '+', reps: [1, 2] },
    { q: '{2}', reps: [2] }, { q: '{0,2}', reps: [0, 1, 2] }, { q: '{1,3}', reps: [1, 2, 3] }, { q: '??', reps: [0, 1] }, { q: '+?', reps: [1, 2] },
  ];
  const alternation = (branches: Gen[]): Gen => ({ src: branches.map((b) => b.src).join('|'), sample: (pick) => one(branches, pick).sample(pick) });
  const sequence = (terms: Gen[]): Gen => ({ src: terms.map((t) => t.src).join(''), sample: (pick) => terms.map((t) => t.sample(pick)).join('') });
  const gens = fc.letrec<{ alt: Gen; seq: Gen; term: Gen; atom: Gen }>((tie) => ({
    alt: fc.oneof(tie('seq'), fc.array(tie('seq'), { minLength: 2, maxLength: 3 }).map(alternation)),
    seq: fc.oneof(fc.array(tie('term'), { minLength: 1, maxLength: 6 }).map(sequence), fc.constant(fixed('', ''))),
    term: fc.tuple(tie('atom'), fc.constantFrom(...QUANTIFIERS)).map(([a, { q, reps }]) => ({
      src: a.src + q,
      sample: (pick: () => number) => Array.from({ length: one(reps, pick) }, () => a.sample(pick)).join(''),
    })),
    atom: fc.oneof(
      { depthSize: 'small' },
      { arbitrary: fc.constantFrom(...WORDS), weight: 6 },
      { arbitrary: fc.constantFrom(...ATOMS), weight: 4 },
      { arbitrary: tie('alt').map((a) => ({ src: `(?:${a.src})`, sample: a.sample })), weight: 2 },
      { arbitrary: tie('alt').map((a) => ({ src: `(${a.src})`, sample: a.sample })), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom('?=', '?!', '?<=', '?<!'), tie('alt')).map(([kind, a]) => fixed(`(${kind}${a.src})`, '')), weight: 1 },
    ),
  })).alt;

  it('random regexes against texts made to match them', () => {
    let checked = 0;
    fc.assert(
      fc.property(gens, fc.constantFrom('', 'i', 'm', 's'), fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.stringMatching(/^[abc .]{0,4}$/), (gen, flags, numbers, noise) => {
        let re: RegExp;
        try {
          re = new RegExp(gen.src, flags);
        } catch {
          return; // not a valid regex (a quantified lookbehind, a nothing to repeat…)
        }
        let at = 0;
        const pick = () => numbers[at++ % numbers.length]!;
        const pf = requiredLiterals(re);
        for (let k = 0; k < 4; k++) {
          let text = noise + gen.sample(pick) + noise.split('').reverse().join('');
          if (flags === 'i') text = [...text].map((c) => (pick() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
          if (!re.test(text)) continue;
          expect(mayMatch(pf, text), `${String(re)} on ${JSON.stringify(text)}`).toBe(true);
          if (pf) checked++;
        }
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: many of the texts matched a regex that has a prefilter.
    expect(checked).toBeGreaterThan(200);
  });
});
