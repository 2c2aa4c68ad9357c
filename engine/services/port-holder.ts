// Who holds a TCP port another endpoint wants: one of this engine's services (named, so the user can stop it), this
// engine's own process otherwise, or on Linux the foreign process listening there (read from /proc), or, where that cannot be told, "another program".
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import { describeService } from './service-succession.ts';

/** The running service of `services` listening on `port`, if any. */
export function serviceOnPort(services: readonly ServiceInfo[], port: number): ServiceInfo | undefined {
  return services.find((service) => service.status === 'running' && service.url !== undefined && portOf(service.url) === port);
}

/** The port in a service URL (its scheme's default when the URL names none); undefined for a URL that does not parse. */
export function portOf(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  } catch {
    return undefined;
  }
}

/** A sentence naming what holds `port`, and what to do about it. */
export function describePortHolder(services: readonly ServiceInfo[], port: number): string {
  const service = serviceOnPort(services, port);
  if (service) return `${describeService(service)}; stop it (Serving tab › Stop, or crucible services stop ${service.id}) or give this endpoint another port`;
  const holder = listeningProcess(port);
  // This engine's own process, yet none of its listed services: a run starting one there, or one another engine in
  // the same process holds (tests, tools). Naming our pid as "a foreign process" would send the user after the engine.
  if (holder?.pid === process.pid) return `this engine (process ${holder.pid}), by a service it has not listed (one still starting, or another run's); wait for that run to finish, or give this endpoint another port (0 picks a free one)`;
  return `${holder ? `process ${holder.pid} (${holder.command})` : 'another program'}, not a service of this engine; stop it or give this endpoint another port (0 picks a free one)`;
}

/** The process listening on a TCP port, read from /proc on Linux; undefined elsewhere or when it cannot be seen. */
export function listeningProcess(port: number, procDir = '/proc'): { pid: number; command: string } | undefined {
  try {
    const inodes = new Set([...listeningInodes(`${procDir}/net/tcp`, port), ...listeningInodes(`${procDir}/net/tcp6`, port)]);
    if (inodes.size === 0) return undefined;
    for (const entry of readdirSync(procDir)) {
      if (!/^\d+$/.test(entry)) continue;
      if (!ownsSocket(`${procDir}/${entry}/fd`, inodes)) continue;
      return { pid: Number(entry), command: commandLine(`${procDir}/${entry}/cmdline`) };
    }
  } catch {
    // Not Linux, or /proc unreadable: the caller says "another program".
  }
  return undefined;
}

/** Socket inodes of the LISTEN (state 0A) rows of a /proc/net/tcp table whose local port is `port`. */
function listeningInodes(table: string, port: number): string[] {
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch {
    return [];
  }
  const inodes: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (!local || fields[3] !== '0A') continue;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9]) inodes.push(fields[9]);
  }
  return inodes;
}

function ownsSocket(fdDir: string, inodes: ReadonlySet<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return false; // another user's process
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`${fdDir}/${fd}`);
      if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return true;
    } catch {
      // closed while we looked
    }
  }
  return false;
}

/** A process's command line, at most 200 characters; '?' when it has none or ended while we looked. */
function commandLine(cmdlineFile: string): string {
  try {
    return readFileSync(cmdlineFile, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200) || '?';
  } catch {
    return '?';
  }
}
