import { describe, expect, it } from 'vitest';
import { createLsParser, lsListingParser } from '../../../analyzer/parsers/ls-listing.js';

const REF = '2026-11-26T12:00:00Z';

describe('ls -la entries', () => {
  it.each([
    {
      name: 'recent file: Sep 27 05:48 gets its year from the reference',
      line: '-rw-r--r--  1 root root   292 Sep 27 05:48 10-flannel.conflist',
      expected: { mode: '-rw-r--r--', fileType: 'file', permissions: 'rw-r--r--', executable: false, links: 1, owner: 'root', group: 'root', size: 292, sizeText: '292', mtimeText: 'Sep 27 05:48', mtime: '2026-09-27T05:48:00.000Z', mtimePrecision: 'minute', name: '10-flannel.conflist' },
    },
    {
      name: 'old file with a year',
      line: '-rwxr-xr-x  1 root root 3859475 Jun 23  2022 bridge',
      expected: { executable: true, size: 3859475, mtimeText: 'Jun 23  2022', mtime: '2022-06-23T00:00:00.000Z', mtimePrecision: 'day', name: 'bridge' },
    },
    {
      name: 'symlink',
      line: 'lrwxrwxrwx  1 root root       7 Sep 27 05:48 flannel -> flannel-v0.25',
      expected: { fileType: 'symlink', name: 'flannel', linkTarget: 'flannel-v0.25' },
    },
    {
      name: 'full-iso with SELinux dot',
      line: '-rw-r--r--. 1 root root 292 2024-09-27 05:48:03.123456789 +0200 10-calico.conflist',
      expected: { modeSuffix: '.', mtime: '2024-09-27T03:48:03.123456789Z', mtimePrecision: 'ns', mtimeText: '2024-09-27 05:48:03.123456789 +0200', name: '10-calico.conflist' },
    },
    {
      name: 'long-iso',
      line: 'drwxr-xr-x 2 root root 4096 2024-09-27 05:48 net.d',
      expected: { fileType: 'directory', mtime: '2024-09-27T05:48:00.000Z', mtimePrecision: 'minute', name: 'net.d' },
    },
    {
      name: 'BusyBox ls -le',
      line: '-rw-r--r--    1 root     root           292 Fri Sep 27 05:48:03 2024 10-flannel.conflist',
      expected: { mtime: '2024-09-27T05:48:03.000Z', mtimePrecision: 'second', name: '10-flannel.conflist' },
    },
    {
      name: 'ls -li with inode: the 0-byte cache file (containernetworking/cni#1055)',
      line: '276776240 -rw------- 1 root root    0 Nov 27 23:16 generic-veth-5bae61e683f7e59902f458514e9af1515d1c1c71ff069e9d4a2008a011307d04-eth1',
      expected: { inode: 276776240, size: 0, mtime: '2026-11-27T23:16:00.000Z', name: 'generic-veth-5bae61e683f7e59902f458514e9af1515d1c1c71ff069e9d4a2008a011307d04-eth1' },
    },
    {
      name: 'a December date read in November is from last year',
      line: '-rw-r--r-- 1 root root 0 Dec 20 01:30 cbr0-abc-eth0',
      expected: { mtime: '2025-12-20T01:30:00.000Z' },
    },
    {
      name: 'ls -laZ SELinux context (SUSE/elemental#529)',
      line: '-rwxr-xr-x. 1 root root system_u:object_r:usr_t:s0 3859475 Jun 23 2022 bridge',
      expected: { selinuxContext: 'system_u:object_r:usr_t:s0', size: 3859475, name: 'bridge' },
    },
    {
      name: 'character device',
      line: 'crw-rw-rw-  1 root root 1, 3 Sep 27 05:48 null',
      expected: { fileType: 'char-device', sizeText: '1, 3', name: 'null' },
    },
    {
      name: 'file name with spaces',
      line: '-rw-r--r-- 1 root root 10 Sep 27 05:48 10-flannel.conflist (copy)',
      expected: { name: '10-flannel.conflist (copy)' },
    },
    {
      name: 'not executable plugin (setuid bit without x)',
      line: '-rwSr--r-- 1 root root 3859475 Jun 23  2022 host-local',
      expected: { executable: false, permissions: 'rwSr--r--' },
    },
    {
      name: 'human sizes (ls -lah)',
      line: '-rwxr-xr-x 1 root root 3.7M Jun 23  2022 bridge',
      expected: { sizeText: '3.7M', size: Math.round(3.7 * 1024 * 1024) },
    },
    {
      name: 'localized month (CJK)',
      line: '-rw-r--r-- 1 root root 292 9月 26 07:51 10-flannel.conflist',
      expected: { mtime: '2026-09-26T07:51:00.000Z', name: '10-flannel.conflist' },
    },
  ])('$name', ({ line, expected }) => {
    const { records, problems } = createLsParser({ referenceTime: REF }).parse(line, 'nodes/n1/cni/net.d.ls');
    expect(problems).toEqual([]);
    expect(records).toEqual([expect.objectContaining({ kind: 'ls-entry', file: 'nodes/n1/cni/net.d.ls', line: 1, ...expected })]);
  });

  it('a whole listing with total, . and .., and directory headers', () => {
    const text = [
      '/etc/cni/net.d:',
      'total 12',
      'drwxr-xr-x 2 root root 4096 Sep 27 05:48 .',
      'drwxr-xr-x 3 root root 4096 Sep 27 05:40 ..',
      '-rw-r--r-- 1 root root  292 Sep 27 05:48 10-flannel.conflist',
      '',
      '/opt/cni/bin:',
      'total 0',
      "ls: cannot access '/var/lib/cni/results': No such file or directory",
    ].join('\n');
    const { records, problems } = lsListingParser.parse(text, 'x.ls');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.kind, r.line, 'dir' in r ? r.dir : undefined, r.kind === 'ls-entry' ? r.name : undefined])).toEqual([
      ['ls-total', 2, '/etc/cni/net.d', undefined],
      ['ls-entry', 3, '/etc/cni/net.d', '.'],
      ['ls-entry', 4, '/etc/cni/net.d', '..'],
      ['ls-entry', 5, '/etc/cni/net.d', '10-flannel.conflist'],
      ['ls-total', 8, '/opt/cni/bin', undefined],
      ['ls-error', 9, undefined, undefined],
    ]);
    expect(records[5]).toEqual({ kind: 'ls-error', file: 'x.ls', line: 9, path: '/var/lib/cni/results', reason: 'No such file or directory', text: "ls: cannot access '/var/lib/cni/results': No such file or directory" });
    expect(records[0]).toMatchObject({ blocks: 12 });
  });

  it('without a reference time a recent entry has no ISO mtime', () => {
    const rec = lsListingParser.parse('-rw-r--r-- 1 root root 292 Sep 27 05:48 x.conf', 'x.ls').records[0];
    expect(rec).toMatchObject({ mtimeText: 'Sep 27 05:48', mtimePrecision: 'minute' });
    expect(rec).not.toHaveProperty('mtime');
  });
});

describe('bin listing (ls line + TAB-separated extras)', () => {
  const sha = '5c2f1b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8';
  it.each([
    {
      name: 'sha256 and JSON version',
      line: `-rwxr-xr-x 1 root root 3859475 2022-06-23 10:00:00.000000000 +0000 bridge\tsha256=${sha}\tversion={"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}`,
      expected: { name: 'bridge', sha256: sha, version: { text: '{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}', json: { cniVersion: '1.0.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'] } } },
    },
    {
      name: 'plain-text version',
      line: `-rwxr-xr-x 1 root root 2400000 2024-01-01 00:00:00.000000000 +0000 flannel\tsha256=${sha}\tversion=CNI Plugin flannel version v1.4.0-flannel1 (linux/amd64)`,
      expected: { name: 'flannel', version: { text: 'CNI Plugin flannel version v1.4.0-flannel1 (linux/amd64)' } },
    },
    {
      name: 'version call failed; unreadable file; unknown key kept',
      line: '-rw------- 1 root root 0 2024-01-01 00:00:00.000000000 +0000 broken plugin\tsha256=-\tversionError=exit status 126: permission denied\tsizeOnDisk=0',
      expected: { name: 'broken plugin', executable: false, versionError: 'exit status 126: permission denied', extra: { sizeOnDisk: '0' } },
    },
    {
      name: 'symlink with extras',
      line: `lrwxrwxrwx 1 root root 13 2024-01-01 00:00:00.000000000 +0000 flannel -> flannel-amd64\tsha256=${sha}`,
      expected: { name: 'flannel', linkTarget: 'flannel-amd64', sha256: sha },
    },
  ])('$name', ({ line, expected }) => {
    const { records, problems } = lsListingParser.parse(`# cni-evidence bin listing v1\ntotal 8\n${line}\n`, 'nodes/n1/cni/bin.ls');
    expect(problems).toEqual([]);
    expect(records[1]).toMatchObject({ kind: 'ls-entry', line: 3, ...expected });
  });

  it('unreadable sha256 leaves the field absent', () => {
    const rec = lsListingParser.parse('-rw------- 1 root root 0 2024-01-01 00:00:00.000000000 +0000 x\tsha256=-', 'b.ls').records[0];
    expect(rec).not.toHaveProperty('sha256');
  });
});

describe('ls: bad input', () => {
  it.each([
    ['garbage', 'hello world', 'no mode field'],
    ['no link count', '-rw-r--r-- root root 292 Sep 27 05:48 x', 'no link count'],
    ['cut before the name', '-rw-r--r-- 1 root root 292 Sep 27 05:48', 'no file name'],
    ['unreadable date', '-rw-r--r-- 1 root root 292 yesterday x', 'unreadable date'],
    ['unreadable size', '-rw-r--r-- 1 root root lots Sep 27 05:48 x', 'unreadable size'],
  ])('%s', (_n, line, message) => {
    const { records, problems } = lsListingParser.parse(`total 4\n${line}\n`, 'x.ls');
    expect(records.map((r) => r.kind)).toEqual(['ls-total']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'x.ls', line: 2, excerpt: line });
    expect(problems[0]!.message).toContain(message);
  });

  it('binary', () => {
    expect(lsListingParser.parse('\u0000\u0000\u0000', 'x.ls')).toEqual({ records: [], problems: [{ file: 'x.ls', line: 0, message: 'binary content in an ls listing' }] });
  });
});
