// `crucible services list|stop ID|restart ID [--json]`: the deployments and API endpoints of the engine serving this
// data directory (the studio or the desktop engine), found through its address file, driven through its API.
// Services of `crucible run` and `crucible serve` live in those commands' processes and stop with them (Ctrl-C).
import { parseArgs } from 'node:util';
import { ROUTES, TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { readEngineAddress, type EngineAddress } from '../../api/engine-address-file.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

export const SERVICES_USAGE = `  services list [--json]        The deployments and API endpoints of the studio (or desktop engine) on this data dir
  services stop ID              Stop one; it stays down, also after the studio restarts
  services restart ID           Stop it if it runs, then start it again (a deployment brings its endpoints along)`;

export async function servicesCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  const [action, serviceId, ...extra] = positionals;
  if (action !== 'list' && action !== 'stop' && action !== 'restart') throw new UsageError(`services needs list, stop ID or restart ID${action ? `, not "${action}"` : ''}`);
  if (action === 'list' ? serviceId !== undefined : serviceId === undefined || extra.length > 0) throw new UsageError(action === 'list' ? 'services list takes no ID' : `services ${action} needs one service ID (see crucible services list)`);
  const dataDir = resolveDataDir(values['data-dir'], io.env);
  const engine = readEngineAddress(dataDir);
  if (!engine) {
    io.stderr.write(`no studio or desktop engine is running on ${dataDir}, so no services are being served from it. Start one with "crucible studio" (add --restore-services to bring back the ones that were running).\n`);
    return EXIT.failed;
  }
  try {
    if (action === 'list') {
      const services = await callEngine<ServiceInfo[]>(engine, 'GET', ROUTES.services);
      io.stdout.write(values.json ? `${JSON.stringify(services, null, 2)}\n` : servicesTable(services));
      return EXIT.ok;
    }
    const route = (action === 'stop' ? ROUTES.stopService : ROUTES.restartService).replace(':serviceId', encodeURIComponent(serviceId!));
    const result = await callEngine<ServiceInfo | ServiceInfo[]>(engine, 'POST', route);
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    // A restart brings others along (the endpoints over a deployment, the deployments an endpoint serves): each line
    // names what started, not the id asked for.
    else if (Array.isArray(result)) for (const service of result) io.stdout.write(`restarted ${service.kind} "${service.name}" as ${service.id}${service.url ? ` at ${service.url}` : ''}\n`);
    else io.stdout.write(`${result.id}: ${result.status}\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`services ${action}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

/** How long the engine may take to answer: a restart waits for its model to load. */
const ANSWER_TIMEOUT_MS = 120_000;

export async function callEngine<T>(engine: EngineAddress, method: 'GET' | 'POST', route: string, timeoutMs = ANSWER_TIMEOUT_MS): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  const unanswered = (error: unknown) => {
    const reason = signal.aborted ? `no answer within ${timeoutMs / 1000} s` : error instanceof Error ? error.message : String(error);
    return new Error(`the engine at ${engine.url} (process ${engine.pid}) did not answer: ${reason}`);
  };
  let response: Response;
  try {
    response = await fetch(`${engine.url}${route}`, { method, signal, headers: { [TOKEN_HEADER]: engine.token, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) });
  } catch (error) {
    throw unanswered(error);
  }
  const payload = (await response.json().catch((error: unknown) => {
    if (signal.aborted) throw unanswered(error);
    return null;
  })) as unknown;
  if (!response.ok) throw new Error((payload as { error?: { message?: string } } | null)?.error?.message ?? `${method} ${route} answered ${response.status}`);
  return payload as T;
}

/** One row per service: id, kind, name, status, URL, and which node of which run started it. */
export function servicesTable(services: ServiceInfo[]): string {
  if (services.length === 0) return 'no services\n';
  const rows = [['ID', 'KIND', 'NAME', 'STATUS', 'URL', 'NODE', 'RUN'], ...services.map((service) => [service.id, service.kind, service.name, service.status, service.url ?? '-', service.node, service.runId])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n')}\n`;
}
