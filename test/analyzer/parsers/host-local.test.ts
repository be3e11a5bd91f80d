import { describe, expect, it } from 'vitest';
import { hostLocalParser } from '../../../analyzer/parsers/host-local.js';
import { fixture } from './helpers.js';

const DIR = 'nodes/node-1/cni/networks';

describe('host-local store files', () => {
  it.each([
    {
      name: 'real reservation with host-local\'s CRLF separator (lab e-cni0-conflict)',
      path: `${DIR}/cbr0/10.244.1.2`, text: fixture('cbr0-10.244.1.2'),
      expected: { kind: 'host-local-reservation', line: 1, network: 'cbr0', ip: '10.244.1.2', family: 4, containerId: 'pod-f', ifName: 'eth0', format: 'two-line', lineEnding: 'crlf' },
    },
    {
      name: 'LF separator',
      path: `${DIR}/containerd-net/10.88.0.10`, text: 'c6387f4e66e9c17ef593bbbbf14f09ced7eddf0b4f7b8fe8340383f122a2efb6\neth0',
      expected: { network: 'containerd-net', ip: '10.88.0.10', containerId: 'c6387f4e66e9c17ef593bbbbf14f09ced7eddf0b4f7b8fe8340383f122a2efb6', ifName: 'eth0', format: 'two-line', lineEnding: 'lf' },
    },
    {
      name: 'old one-line format (container ID only)',
      path: `${DIR}/cbr0/10.244.1.9`, text: '1b77faa74bc35b4c8a56b97918872b6f4aa1b77faa74bc35b4c8a56b97918872',
      expected: { ip: '10.244.1.9', containerId: '1b77faa74bc35b4c8a56b97918872b6f4aa1b77faa74bc35b4c8a56b97918872', format: 'one-line', lineEnding: 'none' },
    },
    {
      name: 'IPv6 reservation',
      path: `${DIR}/cbr0/fd00:10:244:1::5`, text: 'abc\r\neth0',
      expected: { ip: 'fd00:10:244:1::5', family: 6, containerId: 'abc', ifName: 'eth0' },
    },
    {
      name: 'last_reserved_ip.0 (lab)',
      path: `${DIR}/cbr0/last_reserved_ip.0`, text: '10.244.7.2',
      expected: { kind: 'host-local-last-reserved', line: 1, network: 'cbr0', rangeIndex: 0, ip: '10.244.7.2' },
    },
    {
      name: 'lock (0 bytes, lab)',
      path: `${DIR}/tiny/lock`, text: '',
      expected: { kind: 'host-local-lock', line: 0, network: 'tiny', size: 0 },
    },
  ])('$name', ({ path, text, expected }) => {
    const { records, problems } = hostLocalParser.parse(text, path);
    expect(problems).toEqual([]);
    expect(records).toEqual([expect.objectContaining({ file: path, ...expected })]);
  });

  it.each([
    { name: 'empty reservation', path: `${DIR}/cbr0/10.244.1.3`, text: '', records: 1, line: 0, message: 'empty reservation file' },
    { name: 'not an IP', path: `${DIR}/cbr0/10.244.1.300`, text: 'abc\neth0', records: 0, line: 0, message: 'not a host-local store file name' },
    { name: 'unknown file', path: `${DIR}/cbr0/notes.txt`, text: 'hello', records: 0, line: 0, message: 'not a host-local store file name' },
    { name: 'garbage in last_reserved_ip', path: `${DIR}/cbr0/last_reserved_ip.0`, text: 'garbage', records: 1, line: 1, message: 'does not hold an IP address' },
    { name: 'empty last_reserved_ip', path: `${DIR}/cbr0/last_reserved_ip.1`, text: '', records: 1, line: 0, message: 'empty last_reserved_ip' },
    { name: 'extra line', path: `${DIR}/cbr0/10.244.1.4`, text: 'abc\r\neth0\r\nsurprise', records: 1, line: 3, message: 'unexpected extra line' },
    { name: 'binary', path: `${DIR}/cbr0/10.244.1.5`, text: '\u0000\u0000\u0001', records: 0, line: 0, message: 'binary content' },
  ])('bad input: $name', ({ path, text, records, line, message }) => {
    const out = hostLocalParser.parse(text, path);
    expect(out.records).toHaveLength(records);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatchObject({ file: path, line });
    expect(out.problems[0]!.message).toContain(message);
  });

  it('an empty reservation still names the held IP', () => {
    expect(hostLocalParser.parse('', `${DIR}/cbr0/10.244.1.3`).records[0]).toEqual({
      kind: 'host-local-reservation', file: `${DIR}/cbr0/10.244.1.3`, line: 0, network: 'cbr0', ip: '10.244.1.3', family: 4, format: 'empty', lineEnding: 'none',
    });
  });
});
