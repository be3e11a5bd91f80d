import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const SAMPLE = new URL('../../samples/flannel-cni0-conflict.tgz', import.meta.url).pathname;

describe('redact and deobfuscate, run through the built bin', async () => {
  const dir = await tempDir('cni-evidence-cli-privacy-');
  const bundle = join(dir, 'ticket.tgz');
  await copyFile(SAMPLE, bundle);

  it('redact writes <bundle>.redacted.tgz next to the input and reports what it replaced', async () => {
    const run = await runCli(['redact', bundle]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote ${join(dir, 'ticket.redacted.tgz')}: no secrets found`);
    const inspect = await runCli(['inspect', join(dir, 'ticket.redacted.tgz')]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/redaction\s+on/);
  });

  it('refuses to overwrite its input unless --in-place is given', async () => {
    const refused = await runCli(['redact', bundle, '-o', bundle]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error: refusing to overwrite the input bundle');
    expect(refused.stderr).toContain('hint: Write the redacted bundle elsewhere with -o, or pass --in-place');
    const copy = join(dir, 'in-place.tgz');
    await copyFile(SAMPLE, copy);
    const inPlace = await runCli(['redact', copy, '--in-place']);
    expect(inPlace.code).toBe(0);
    const { result } = await readBundleTexts(copy);
    expect(result.integrity.ok).toBe(true);
    expect(result.manifest.redaction.totals).toEqual({});
  });

  it('--obfuscate makes a 0600 key and a mapping beside it, neither enters the bundle, and deobfuscate reads the report back', async () => {
    const key = join(dir, 'keys', 'acme.key');
    const out = join(dir, 'ticket.obfuscated.tgz');
    const run = await runCli(['redact', bundle, '--obfuscate', '--obfuscation-key-file', key, '-o', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`(${key}, created now)`);
    expect(run.stdout).toContain(`mapping (`);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(`${key}.mapping.json`)).mode & 0o777).toBe(0o600);
    const keyHex = (await readFile(key, 'utf8')).trim();
    expect(keyHex).toMatch(/^[0-9a-f]{64}$/);
    const { result, files } = await readBundleTexts(out);
    const everything = [JSON.stringify(result.manifest), ...files.keys(), ...files.values()].join('\n');
    expect(everything).not.toContain(keyHex);
    expect(everything).not.toMatch(/\bnode-2\b/);
    expect(everything).not.toContain('mapping.json');
    expect(result.manifest.redaction).toMatchObject({ enabled: true, obfuscated: true, keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const report = join(dir, 'report.md');
    const analyzed = await runCli(['analyze', out, '--format', 'markdown', '-o', report, '--fail-on', 'none']);
    expect(analyzed.code).toBe(0);
    const pseudonymized = await readFile(report, 'utf8');
    expect(pseudonymized).not.toMatch(/\bnode-2\b/);
    const back = await runCli(['deobfuscate', report, '--mapping', `${key}.mapping.json`]);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/\bnode-2\b/);
    expect(back.stdout).toContain('web-7r2rngql75-6w8j6');
    expect(back.stdout).toContain('10.244.5.1/24');
    const withKey = await runCli(['deobfuscate', report, '--mapping', `${key}.mapping.json`, '--obfuscation-key-file', key, '-o', join(dir, 'real.md')]);
    expect(withKey.code).toBe(0);
    expect(await readFile(join(dir, 'real.md'), 'utf8')).toContain('web-7r2rngql75-6w8j6');

    // The same key a second time reuses the key and the mapping; an obfuscated bundle is not obfuscated again.
    const again = await runCli(['redact', bundle, '--obfuscate', '--obfuscation-key-file', key, '-o', join(dir, 'again.tgz')]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('created now');
    const twice = await runCli(['redact', out, '--obfuscate', '--obfuscation-key-file', key, '-o', join(dir, 'twice.tgz')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('is already pseudonymized');
  });

  it('a bad key file is a typed error with a hint, before anything is written', async () => {
    const bad = join(dir, 'bad.key');
    await writeFile(bad, 'not-a-key\n');
    const run = await runCli(['redact', bundle, '--obfuscate', '--obfuscation-key-file', bad, '-o', join(dir, 'never.tgz')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${bad} is not a cni-evidence obfuscation key: it is not hex`);
    expect(run.stderr).toContain('hint: A key file holds 64 hex digits');
    await expect(stat(join(dir, 'never.tgz'))).rejects.toThrow();
    const short = join(dir, 'short.key');
    await writeFile(short, 'abcd\n');
    const shortRun = await runCli(['redact', bundle, '--obfuscate', '--obfuscation-key-file', short]);
    expect(shortRun.stderr).toContain('it has 4 hex digits, not 64');
  });

  it('deobfuscate says what is wrong with a missing or foreign mapping', async () => {
    const report = join(dir, 'r.txt');
    await writeFile(report, 'node n-abcd\n');
    const missing = await runCli(['deobfuscate', report, '--mapping', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('is not a cni-evidence mapping file');
    expect(missing.stderr).toContain('hint: Pass the .mapping.json written next to the obfuscation key');
    const other = join(dir, 'other.key');
    await runCli(['redact', bundle, '--obfuscate', '--obfuscation-key-file', other, '-o', join(dir, 'other.tgz')]);
    const mismatch = await runCli(['deobfuscate', report, '--mapping', join(dir, 'keys', 'acme.key.mapping.json'), '--obfuscation-key-file', other]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('did not make');
  });
});
