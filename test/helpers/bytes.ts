/** Byte and text helpers the tests share: streams cut anywhere, and reproducible random ids. */

/** The buffer cut at the given offsets (taken modulo its length, deduplicated): chunks as a stream might deliver them. */
export function cutAt(buffer: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buffer.subarray(last, p));
    last = p;
  }
  out.push(buffer.subarray(last));
  return out.filter((b) => b.length > 0);
}

/**
 * A xorshift32 generator of 8-hex-digit words: deterministic per seed and poorly compressible,
 * for log text whose compressed size must be realistic.
 */
export function hexWords(seed: number): () => string {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x.toString(16).padStart(8, '0');
  };
}
