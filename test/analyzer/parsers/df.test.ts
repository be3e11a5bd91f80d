import { describe, expect, it } from 'vitest';
import { dfParser } from '../../../analyzer/parsers/df.js';

describe('df', () => {
  it('df -P: blocks in bytes and the use percentage', () => {
    const text = [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on',
      '/dev/vda1         20509264 20509264         0     100% /',
      'tmpfs              1631812     1404   1630408       1% /run',
    ].join('\n');
    const { records, problems } = dfParser.parse(text, 'nodes/n1/system/df.txt');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { kind: 'df', file: 'nodes/n1/system/df.txt', line: 2, mode: 'blocks', filesystem: '/dev/vda1', totalText: '20509264', usedText: '20509264', availableText: '0', total: 20509264 * 1024, used: 20509264 * 1024, available: 0, usePercent: 100, mountedOn: '/' },
      { kind: 'df', file: 'nodes/n1/system/df.txt', line: 3, mode: 'blocks', filesystem: 'tmpfs', totalText: '1631812', usedText: '1404', availableText: '1630408', total: 1631812 * 1024, used: 1404 * 1024, available: 1630408 * 1024, usePercent: 1, mountedOn: '/run' },
    ]);
  });

  it.each([
    ['df -h', 'Filesystem      Size  Used Avail Use% Mounted on\n/dev/root        20G   20G     0 100% /var/lib/cni\n', { line: 2, mode: 'blocks', total: 20 * 1024 ** 3, usePercent: 100, mountedOn: '/var/lib/cni' }],
    ['df -hT', 'Filesystem     Type   Size  Used Avail Use% Mounted on\noverlay        overlay 4.0G  1.5G  2.5G  38% /\n', { fsType: 'overlay', total: 4 * 1024 ** 3, used: Math.round(1.5 * 1024 ** 3), usePercent: 38 }],
    ['df -i', 'Filesystem      Inodes  IUsed IFree IUse% Mounted on\n/dev/vda1      1310720 1310720     0  100% /\n', { mode: 'inodes', total: 1310720, used: 1310720, available: 0, usePercent: 100 }],
    ['df -i with a dash', 'Filesystem      Inodes  IUsed IFree IUse% Mounted on\nvfat                 0      0     0     - /boot/efi\n', { mode: 'inodes', total: 0, mountedOn: '/boot/efi' }],
    ['BusyBox 1K-blocks', 'Filesystem           1K-blocks      Used Available Use% Mounted on\noverlay               30832548  10532124  18711596  36% /\n', { total: 30832548 * 1024, usePercent: 36 }],
    ['mount point with a space', 'Filesystem     1024-blocks  Used Available Capacity Mounted on\n/dev/sdb1             1000   500       500      50% /mnt/my disk\n', { mountedOn: '/mnt/my disk' }],
  ])('%s', (_n, text, expected) => {
    const { records, problems } = dfParser.parse(text, 'df.txt');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject(expected);
  });

  it('a wrapped long filesystem name is joined and keeps its first line', () => {
    const text = 'Filesystem           1K-blocks      Used Available Use% Mounted on\n/dev/mapper/vg0-lv--var--lib\n                      10190100   9665296         0 100% /var/lib\n';
    expect(dfParser.parse(text, 'df.txt').records).toEqual([
      expect.objectContaining({ line: 2, filesystem: '/dev/mapper/vg0-lv--var--lib', usePercent: 100, mountedOn: '/var/lib' }),
    ]);
  });

  it('df -P then df -i in one file switches mode at each header', () => {
    const text = 'Filesystem     1024-blocks  Used Available Capacity Mounted on\n/dev/vda1            100    50        50      50% /\nFilesystem      Inodes  IUsed IFree IUse% Mounted on\n/dev/vda1          10     10     0  100% /\n';
    expect(dfParser.parse(text, 'df.txt').records.map((r) => [r.line, r.mode, r.usePercent])).toEqual([[2, 'blocks', 50], [4, 'inodes', 100]]);
  });

  it.each([
    ['row before a header', '/dev/vda1 100 50 50 50% /\n', [1], 'before any header'],
    ['too few columns', 'Filesystem     1024-blocks  Used Available Capacity Mounted on\n/dev/vda1 100 50\n', [2], 'too few columns'],
    ['df error line', 'df: /proc/sys/fs/binfmt_misc: Too many levels of symbolic links\n', [1], 'df reported an error'],
    ['no percentage', 'Filesystem     1024-blocks  Used Available Capacity Mounted on\n/dev/vda1 100 50 50 half /\n', [2], 'without a use percentage'],
    ['binary', '\u0000\u0000\u0000', [0], 'binary'],
  ])('bad input: %s', (_n, text, lines, message) => {
    const { problems } = dfParser.parse(text, 'df.txt');
    expect(problems.map((p) => p.line)).toEqual(lines);
    expect(problems[0]!.message).toContain(message);
  });
});
