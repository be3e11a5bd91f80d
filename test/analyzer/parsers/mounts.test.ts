import { describe, expect, it } from 'vitest';
import { mountsParser } from '../../../analyzer/parsers/mounts.js';

describe('mount tables', () => {
  it.each([
    {
      name: 'mount command form (lab, private bpffs)',
      text: 'bpf on /sys/fs/bpf type bpf (rw,relatime)',
      expected: { format: 'mount', source: 'bpf', target: '/sys/fs/bpf', fsType: 'bpf', options: ['rw', 'relatime'], readOnly: false },
    },
    {
      name: '/proc/mounts',
      text: 'bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0',
      expected: { format: 'proc', source: 'bpf', target: '/sys/fs/bpf', fsType: 'bpf', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime', 'mode=700'] },
    },
    {
      name: '/proc/mounts with an octal-escaped space and read-only',
      text: '/dev/vda2 /opt/cni\\040bin ext4 ro,relatime 0 0',
      expected: { format: 'proc', target: '/opt/cni bin', readOnly: true },
    },
    {
      name: 'mountinfo',
      text: '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
      expected: { format: 'mountinfo', mountId: 36, parentId: 35, root: '/mnt1', target: '/mnt2', fsType: 'ext3', source: '/dev/root', options: ['rw', 'noatime'], propagation: ['master:1'], superOptions: ['rw', 'errors=continue'] },
    },
    {
      name: 'tmpfs /run read-only via mount',
      text: 'tmpfs on /run type tmpfs (ro,nosuid,nodev,size=1631812k,nr_inodes=819200,mode=755,inode64)',
      expected: { format: 'mount', target: '/run', readOnly: true },
    },
  ])('$name', ({ text, expected }) => {
    const { records, problems } = mountsParser.parse(text, 'mounts.txt');
    expect(problems).toEqual([]);
    expect(records).toEqual([expect.objectContaining({ kind: 'mount', file: 'mounts.txt', line: 1, ...expected })]);
  });

  it('findmnt tree output', () => {
    const text = [
      'TARGET                SOURCE     FSTYPE     OPTIONS',
      '/                     /dev/vda1  ext4       rw,relatime',
      '├─/sys                sysfs      sysfs      rw,nosuid,nodev,noexec,relatime',
      '│ └─/sys/fs/bpf       bpf        bpf        rw,nosuid,nodev,noexec,relatime,mode=700',
      '└─/run                tmpfs      tmpfs      rw,nosuid,nodev,mode=755',
    ].join('\n');
    const { records, problems } = mountsParser.parse(text, 'findmnt.txt');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.line, r.target, r.source, r.fsType, r.format])).toEqual([
      [2, '/', '/dev/vda1', 'ext4', 'findmnt'],
      [3, '/sys', 'sysfs', 'sysfs', 'findmnt'],
      [4, '/sys/fs/bpf', 'bpf', 'bpf', 'findmnt'],
      [5, '/run', 'tmpfs', 'tmpfs', 'findmnt'],
    ]);
  });

  it.each([
    ['garbage', 'proc on /proc type proc (rw\nthis is not a mount line', [1, 2]],
    ['binary', '\u0000\u0000\u0000', [0]],
  ])('bad input: %s', (_n, text, lines) => {
    expect(mountsParser.parse(text, 'm.txt').problems.map((p) => p.line)).toEqual(lines);
  });

  it('no bpffs mounted: nothing at /sys/fs/bpf (the lab host)', () => {
    const { records } = mountsParser.parse('sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)\nproc on /proc type proc (rw,nosuid,nodev,noexec,relatime)\n', 'm.txt');
    expect(records.map((r) => r.target)).toEqual(['/sys', '/proc']);
    expect(records.some((r) => r.fsType === 'bpf')).toBe(false);
  });
});
