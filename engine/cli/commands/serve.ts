// `crucible serve MODEL_DIR [--name ID] [--precision P] [--device D] [--threads N] [--host H] [--port P] [--auth keys|none]
// [--replicas N] [--min-replicas N] [--max-replicas N] (autoscaling between the two, as the deploy node's fields)
// [--draft DIR] [--draft-tokens N] (speculative decoding with a distilled student of the model as the draft)
// [--upstream URL[=m1,m2] …] [--store URL] [--limits URL]`: a deploy node plus an api-endpoint node for one model folder (routing to upstreams too),
// without a pipeline; loads the model, then serves until Ctrl-C. A folder that does not load ends it with one message
// naming the file, before any endpoint opens.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeZodIssues } from '../../../app/graph/zod-issues.ts';
import { apiEndpointConfig, apiEndpointSpec } from '../../../nodes/api-endpoint/spec.ts';
import { deployConfig, deploySpec } from '../../../nodes/deploy/spec.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import type { DecoderPrecision } from '../../../app/artifacts/model-layout.ts';
import { DEVICE_TITLES } from '../../../app/protocol/compute-devices.ts';
import { serveModelFolder } from '../../services/serve-model-folder.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { API_KEY_HINT, openAiBaseUrl } from '../serving-text.ts';
import { upstreamsFromFlags } from '../upstream-flags.ts';
import { limitsUrlOf, storeUrlOf } from '../../endpoint/gateway-backends.ts';

/** Every flag serve accepts; `crucible --help` names each one. */
export const SERVE_OPTIONS = {
  name: { type: 'string' },
  device: { type: 'string' },
  precision: { type: 'string' },
  threads: { type: 'string' },
  replicas: { type: 'string' },
  'min-replicas': { type: 'string' },
  'max-replicas': { type: 'string' },
  draft: { type: 'string' },
  'draft-tokens': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  auth: { type: 'string' },
  upstream: { type: 'string', multiple: true },
  store: { type: 'string' },
  limits: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: SERVE_OPTIONS, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('serve needs one MODEL_DIR: a model folder with config.json, tokenizer.json and onnx/model.onnx');
  const modelDir = path.resolve(io.cwd, positionals[0]!);
  const count = (flag: string | undefined) => (flag === undefined ? undefined : Number(flag));
  const replicaInput = { replicas: count(values.replicas), minReplicas: count(values['min-replicas']), maxReplicas: count(values['max-replicas']) };
  const draftInput = { draftModel: values.draft === undefined ? undefined : path.resolve(io.cwd, values.draft), draftTokens: count(values['draft-tokens']) };
  const deployInput = { name: values.name ?? defaultModelName(modelDir), device: values.device, threads: count(values.threads), ...replicaInput, ...draftInput };
  const replicaFlags = { replicas: '--replicas', minReplicas: '--min-replicas', maxReplicas: '--max-replicas' };
  const deploy = parseOrExplain(deployConfig, deployInput, { name: '--name', device: '--device', threads: '--threads', draftModel: '--draft', draftTokens: '--draft-tokens', ...replicaFlags });
  const deployProblem = deploySpec.checkConfig?.(deploy)[0];
  if (deployProblem) throw new UsageError(`serve: ${replicaFlags[deployProblem.field as keyof typeof replicaFlags] ?? deployProblem.field}: ${deployProblem.message}`);
  const precision = precisionFlag(values.precision);
  const upstreams = upstreamsFromFlags(values.upstream, 'serve');
  const endpointInput = { host: values.host, port: values.port === undefined ? undefined : Number(values.port), auth: values.auth, upstreams };
  const endpoint = parseOrExplain(apiEndpointConfig, endpointInput, { host: '--host', port: '--port', auth: '--auth', upstreams: '--upstream' });
  const problems = apiEndpointSpec.checkConfig?.(endpoint) ?? [];
  if (problems.length > 0) throw new UsageError(`serve: ${flagOf(problems[0]!.field)}: ${problems[0]!.message}`);

  const log = (line: string) => io.stderr.write(`${line}\n`);
  const interrupted = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const unsubscribe = io.onInterrupt(() => {
      unsubscribe();
      interrupted.abort();
      resolve();
    });
  });
  io.stdout.write(`Loading ${modelDir} as "${deploy.name}"…\n`);
  const dataDir = resolveDataDir(values['data-dir'], io.env);
  const backends = { store: storeUrlOf(values.store, io.env), limits: limitsUrlOf(values.limits, io.env) };
  const served = await serveModelFolder({ modelDir, ...(precision ? { precision } : {}), deploy, endpoint, dataDir, backends, log, signal: interrupted.signal }).catch((error: Error) => {
    if (!interrupted.signal.aborted) io.stderr.write(`serve: ${error.message}\n`);
    return null;
  });
  if (served === null && interrupted.signal.aborted) io.stdout.write('Stopped.\n');
  if (served === null) return interrupted.signal.aborted ? EXIT.cancelled : EXIT.failed;
  io.stdout.write(`Serving "${served.model}" (${served.precision}) on ${DEVICE_TITLES[served.device]} at ${openAiBaseUrl(served.url)} (OpenAI-compatible). Press Ctrl-C to stop.\n`);
  for (const upstream of endpoint.upstreams) io.stdout.write(`Routing to upstream ${upstream.url}${upstream.models.length > 0 ? ` for ${upstream.models.map((m) => m.name).join(', ')}` : ''} as well.\n`);
  if (endpoint.auth === 'keys') io.stdout.write(`${API_KEY_HINT}\n`);
  await stopped;
  await served.stop();
  io.stdout.write('Stopped.\n');
  return EXIT.ok;
}

/** The folder's name when it is a valid model id (e.g. `bard-mini`), else the deploy node's default. */
function defaultModelName(modelDir: string): string {
  const base = path.basename(modelDir);
  return deployConfig.shape.name.safeParse(base).success ? base : (deployConfig.parse({}).name);
}

function parseOrExplain<Schema extends typeof deployConfig | typeof apiEndpointConfig>(schema: Schema, input: Record<string, unknown>, flags: Record<string, string>) {
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const parsed = schema.safeParse(defined);
  if (parsed.success) return parsed.data as Schema['_output'];
  const details = describeZodIssues(parsed.error, defined).map((issue) => `${flags[issue.field.split('.')[0]!] ?? issue.field}: ${issue.message}`);
  throw new UsageError(`serve: ${details.join('; ')}`);
}

const PRECISIONS: readonly DecoderPrecision[] = ['float32', 'int8', 'q4'];

function precisionFlag(value: string | undefined): DecoderPrecision | undefined {
  if (value === undefined) return undefined;
  if ((PRECISIONS as readonly string[]).includes(value)) return value as DecoderPrecision;
  throw new UsageError(`serve: --precision must be one of ${PRECISIONS.join(', ')} (default: what the folder was quantized to, else float32), got "${value}"`);
}

/** `upstreams.1.url` → `--upstream #2`; `auth` → `--auth`. */
export function flagOf(field: string): string {
  const upstream = /^upstreams\.(\d+)/.exec(field);
  return upstream ? `--upstream #${Number(upstream[1]) + 1}` : `--${field}`;
}
