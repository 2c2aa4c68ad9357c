// `crucible gateway --upstream URL[=m1,m2] [--upstream …] [--host H] [--port P] [--auth keys|none] [--store URL]
// [--limits URL] [--max-retries N]`: an api-endpoint with no local model, routing to remote OpenAI-compatible
// servers (keys, limits, budgets and usage as for local models), until Ctrl-C. --store / --limits default to
// CRUCIBLE_STORE_URL / CRUCIBLE_LIMITS_URL, else the data directory's SQLite and this process's windows.
import { parseArgs } from 'node:util';
import { describeZodIssues } from '../../../app/graph/zod-issues.ts';
import { apiEndpointConfig, apiEndpointSpec } from '../../../nodes/api-endpoint/spec.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { limitsUrlOf, openGatewayBackends, storeUrlOf } from '../../endpoint/gateway-backends.ts';
import { createOpenAiServer } from '../../endpoint/openai-server.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { upstreamsFromFlags } from '../upstream-flags.ts';
import { flagOf } from './serve.ts';

const OPTIONS = {
  upstream: { type: 'string', multiple: true },
  host: { type: 'string' },
  port: { type: 'string' },
  auth: { type: 'string' },
  store: { type: 'string' },
  limits: { type: 'string' },
  'max-retries': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

const FLAGS: Record<string, string> = { host: '--host', port: '--port', auth: '--auth', upstreams: '--upstream', routing: '--max-retries' };

export async function gatewayCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`gateway takes no positional arguments, got "${positionals[0]}"; name upstreams with --upstream URL[=model1,model2]`);
  const upstreams = upstreamsFromFlags(values.upstream, 'gateway');
  if (upstreams.length === 0) throw new UsageError('gateway needs at least one --upstream URL[=model1,model2] (an OpenAI-compatible server, e.g. another `crucible serve`)');
  const input = {
    host: values.host,
    port: values.port === undefined ? undefined : Number(values.port),
    auth: values.auth,
    upstreams,
    routing: values['max-retries'] === undefined ? undefined : { maxRetries: Number(values['max-retries']) },
  };
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const parsed = apiEndpointConfig.safeParse(defined);
  if (!parsed.success) {
    const details = describeZodIssues(parsed.error, defined).map((issue) => `${FLAGS[issue.field.split('.')[0]!] ?? issue.field}: ${issue.message}`);
    throw new UsageError(`gateway: ${details.join('; ')}`);
  }
  const config = parsed.data;
  const problems = apiEndpointSpec.checkConfig?.(config) ?? [];
  if (problems.length > 0) throw new UsageError(`gateway: ${flagOf(problems[0]!.field)}: ${problems[0]!.message}`);

  const log = (line: string) => io.stderr.write(`${line}\n`);
  let backends: Awaited<ReturnType<typeof openGatewayBackends>>;
  try {
    const urls = { store: storeUrlOf(values.store, io.env), limits: limitsUrlOf(values.limits, io.env) };
    backends = await openGatewayBackends({ ...urls, dataDir: resolveDataDir(values['data-dir'], io.env) });
  } catch (error) {
    io.stderr.write(`gateway: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  let server: ReturnType<typeof createOpenAiServer>;
  let url: string;
  try {
    server = createOpenAiServer({ config, deployments: [], store: backends.store, ...(backends.limits ? { limits: backends.limits } : {}), env: io.env, log, onWarning: log });
    ({ url } = await server.listen());
  } catch (error) {
    await backends.close();
    io.stderr.write(`gateway: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  io.stdout.write(`Gateway at ${url}/v1 (OpenAI-compatible; ${backends.describe()}). Press Ctrl-C to stop.\n`);
  for (const member of server.gateway!.members) {
    io.stdout.write(`  upstream ${member.name} (${member.baseUrl.href}): ${member.health}, serving ${member.models.join(', ') || 'nothing yet'}\n`);
  }
  if (config.auth === 'keys') io.stdout.write('Requests need an API key: create one with `crucible keys create --name NAME`.\n');
  await new Promise<void>((resolve) => {
    const unsubscribe = io.onInterrupt(() => {
      unsubscribe();
      resolve();
    });
  });
  return stop(server, backends, io);
}

/**
 * Closes the server, then — always, even when that failed — the store and limits connections. Usage rows the store
 * could not take in time (PostgreSQL away) end the command with one line saying how many, and exit status 1.
 */
async function stop(server: ReturnType<typeof createOpenAiServer>, backends: { close(): Promise<void> }, io: CliIo): Promise<number> {
  let failure: unknown = null;
  try {
    await server.close();
  } catch (error) {
    failure = error;
  }
  await backends.close();
  if (failure !== null) {
    io.stderr.write(`gateway: stopped, but ${failure instanceof Error ? failure.message : String(failure)}\n`);
    return EXIT.failed;
  }
  io.stdout.write('Stopped.\n');
  return EXIT.ok;
}
