// listeningProcess against a made-up /proc: the LISTEN row of tcp or tcp6 on the port, the process whose fd is
// that socket, and what it says when the holder cannot be seen or ends while it is looked at.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listeningProcess, portOf } from './port-holder.ts';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (local: string, state: string, inode: number) => `   0: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

let proc: string;
beforeEach(() => {
  proc = mkdtempSync(path.join(tmpdir(), 'crucible-proc-'));
  mkdirSync(path.join(proc, 'net'));
  writeFileSync(path.join(proc, 'net', 'tcp'), HEADER + row('0100007F:20F5', '01', 111) + row('0100007F:1F90', '0A', 222));
  writeFileSync(path.join(proc, 'net', 'tcp6'), HEADER + row('00000000000000000000000000000000:2382', '0A', 333));
});
afterEach(() => rmSync(proc, { recursive: true, force: true }));

function processWith(pid: number, sockets: number[], cmdline?: string): void {
  mkdirSync(path.join(proc, String(pid), 'fd'), { recursive: true });
  sockets.forEach((inode, fd) => symlinkSync(`socket:[${inode}]`, path.join(proc, String(pid), 'fd', String(fd))));
  if (cmdline !== undefined) writeFileSync(path.join(proc, String(pid), 'cmdline'), cmdline);
}

it.runIf(process.platform !== 'win32')('names the process holding the LISTEN socket, from tcp or tcp6', () => {
  processWith(10, [111]);
  processWith(20, [222], 'python3\0-m\0http.server\0');
  processWith(30, [333], '');
  expect(listeningProcess(0x1f90, proc)).toEqual({ pid: 20, command: 'python3 -m http.server' });
  expect(listeningProcess(0x2382, proc)).toEqual({ pid: 30, command: '?' });
  expect(listeningProcess(0x20f5, proc), 'a connection, not a listener').toBeUndefined();
});

it.runIf(process.platform !== 'win32')('says "?" for a holder whose command line is gone, and nothing where /proc is missing', () => {
  processWith(20, [222]);
  expect(listeningProcess(0x1f90, proc)).toEqual({ pid: 20, command: '?' });
  expect(listeningProcess(0x1f90, path.join(proc, 'missing'))).toBeUndefined();
});

it('reads the port of a service URL, the scheme default where it names none', () => {
  expect([portOf('http://127.0.0.1:8421'), portOf('http://example.test'), portOf('https://example.test'), portOf('not a url')]).toEqual([8421, 80, 443, undefined]);
});
