/**
 * podcidr-mismatch searches the symptoms with HAS_CONFLICT, a regex without captures that matches
 * the same texts as CONFLICT but does not backtrack through every word of a long message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFLICT, HAS_CONFLICT } from '../../../analyzer/rules/podcidr-mismatch.js';

describe('podcidr-mismatch: HAS_CONFLICT tests exactly what CONFLICT matches', () => {
  it('on texts made of the pieces of a bridge conflict', () => {
    const piece = fc.constantFrom('"cni0"', 'cni0', '"', ' ', 'cni0"', 'br-1.x', ' already has an IP address different from ', ' ALREADY has an ip address DIFFERENT from ', '10.244.1.1/24', '10.244.1.1', '/', '24', 'fe80::1/64', 'x', ':', '..');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.string({ maxLength: 4 }), (pieces, noise) => {
        const text = noise + pieces.join('') + noise;
        expect(HAS_CONFLICT.test(text), JSON.stringify(text)).toBe(CONFLICT.test(text));
      }),
      { numRuns: 5000 },
    );
  });
});
