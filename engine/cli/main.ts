// The `crucible` command line: validate, run, node-types, runs, logs and studio. Each command gets its streams injected
// (see io.ts) and returns an exit code.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { builtInRunModules } from '../../nodes/runs.ts';
import { builtInRegistry } from '../../nodes/specs.ts';
import { engineServingRefusal } from '../api/serve-engine.ts';
import { resolveDataDir } from '../config/data-dir.ts';
import { Engine } from '../engine.ts';
import { CRUCIBLE_VERSION } from '../version.ts';
import { dataCommand } from './commands/data-add.ts';
import { exportCommand } from './commands/export.ts';
import { gatewayCommand } from './commands/gateway.ts';
import { nodeTypesCommand } from './commands/node-types.ts';
import { keysCommand } from './commands/keys.ts';
import { LAUNCH_USAGE, launchCommand, parseLaunchArgs } from './commands/launch.ts';
import { modelsCommand } from './commands/models.ts';
import { runCommand } from './commands/run.ts';
import { logsCommand } from './commands/logs.ts';
import { runsCommand } from './commands/runs.ts';
import { runsImportCommand } from './commands/runs-import.ts';
import { serveCommand } from './commands/serve.ts';
import { SERVICES_USAGE, servicesCommand } from './commands/services.ts';
import { studioCommand } from './commands/studio.ts';
import { usageCommand } from './commands/usage.ts';
import { validateCommand } from './commands/validate.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { parseSetFlag } from './set-override.ts';

const USAGE = `Usage: crucible <command> [options]

Commands:
  validate FILE                 Check a pipeline file and where its sources point (exit 0 valid, 1 problems,
                                2 unreadable; warnings are printed and keep it valid)
  run FILE                      Run a pipeline headless
      --target NODE             Run only what NODE needs (repeatable)
      --set NODE.FIELD=VALUE    Override a config field for this run (repeatable)
      --force NODE              Re-run NODE even if cached (repeatable)
      --json                    Print NDJSON events: run.finished, then a "serving" line if services stay up
      --exit                    Stop the run's services (deploy, api-endpoint) when it ends instead of serving
                                until Ctrl-C
  node-types [--json]           List the node types and their ports
  runs [--json] [--limit N]     Show the run history
  logs RUN [--node NODE]        A past run's node logs, oldest first (RUN: an id from "runs", or "last")
      [--level debug|info|warn|error] [--json]
${LAUNCH_USAGE}
  studio [--port N] [--no-open] [--no-build] [--restore-services]
                                Start the engine and serve the studio to a browser (builds the UI on first start);
                                services that were running when it last stopped stay stopped unless
                                --restore-services (restart them from the Serving tab or crucible services)
${SERVICES_USAGE}
  data add FILE                 Register a local copy of a dataset URL's file under its sha256 (offline runs)
  models add DIR --repo ID --revision SHA
                                Register a local copy of a Hugging Face model folder as that repo's commit
                                (offline runs of model nodes naming it)
  models list [--json]          The model snapshots in the data dir
  keys create --name N          Create an API key (shown once) for api-endpoints
      [--models a,b] [--rpm N] [--tpm N] [--concurrency N]
      [--budget AMOUNT --period day|month] [--expires DATE] [--json]
  keys update NAME              Change a key's scope, limits, budget or expiry (its secret stays)
      [--models a,b|all] [--rpm N|default] [--tpm N|default] [--concurrency N|default]
      [--budget AMOUNT --period day|month | --budget none --period none] [--expires DATE|never]
  keys list [--json]            Show API keys (never their secrets)
  keys revoke NAME              Revoke a key; requests with it get 401
  usage [--key NAME] [--since DATE] [--until DATE] [--csv|--json]
                                API usage per day, key and model
                                (keys and usage: --store postgres://… or CRUCIBLE_STORE_URL for a shared store)
  serve MODEL_DIR               Serve a model folder over an OpenAI-compatible API
      [--name ID] [--precision float32|int8|q4] [--device auto|cpu|cuda|dml|coreml|webgpu] [--threads N]
      [--replicas N] [--min-replicas N] [--max-replicas N]
                                Inference workers at start; autoscaled between min and max when max is above min
      [--draft DIR] [--draft-tokens N]
                                Speculative decoding: a distilled student of the model (same tokenizer) proposes
                                N tokens (default 4) that the model checks in one step; the output is unchanged
      [--host H] [--port P] [--auth keys|none] [--upstream URL[=model1,model2] …]
      [--store postgres://…] [--limits redis://…]  (or CRUCIBLE_STORE_URL / CRUCIBLE_LIMITS_URL)
  gateway --upstream URL[=model1,model2] [--upstream …]
      [--host H] [--port P] [--auth keys|none] [--store URL] [--limits URL] [--max-retries N]
                                Serve remote OpenAI-compatible servers through one API: keys, limits, usage,
                                least-loaded routing, health checks and failover
  export MODEL_DIR              Write a model folder as GGUF (llama.cpp, Ollama, LM Studio), a Hugging Face
      [--format gguf|hf|onnx]   repository or ONNX files, with a model card (default: gguf, q8_0,
      [--quantization f32|f16|q8_0|q4_0] [--out DIR] [--name N] [--license L] [--overwrite]
                                --out ./NAME-QUANTIZATION)

Options for every command:
  --data-dir DIR                Where artifacts and run history live (or CRUCIBLE_DATA_DIR)
  --help, --version`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) {
    io.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  // --help anywhere before a `--` asks for the usage, as the usage itself promises for every command.
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (command === '--help' || command === '-h' || command === 'help' || options.includes('--help') || options.includes('-h')) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${CRUCIBLE_VERSION}\n`);
    return EXIT.ok;
  }
  const registry = builtInRegistry();
  const withEngine = async (dataDirFlag: string | undefined, use: (engine: Engine) => Promise<number> | number) => {
    const dataDir = resolveDataDir(dataDirFlag, io.env);
    let engine: Engine;
    try {
      engine = await Engine.open({ dataDir, registry });
    } catch (error) {
      // A data directory that is a file, cannot be created, or holds a damaged database: one line, not a stack trace.
      io.stderr.write(`cannot open the data directory ${dataDir}: ${(error as Error).message}. Choose another with --data-dir or CRUCIBLE_DATA_DIR, or move a damaged crucible.db in it aside.\n`);
      return EXIT.unreadable;
    }
    try {
      return await use(engine);
    } finally {
      await engine.close();
    }
  };

  switch (command) {
    case 'validate': {
      const { values, positionals } = parse(rest, {}, 1);
      const dataDir = resolveDataDir(values['data-dir'] as string | undefined, io.env);
      return validateCommand(positionals[0]!, registry, io, { runModules: builtInRunModules(), dataDir });
    }
    case 'node-types': {
      const { values } = parse(rest, { json: { type: 'boolean' } }, 0);
      return nodeTypesCommand(registry, Boolean(values.json), io);
    }
    case 'runs': {
      if (rest[0] === 'import') {
        const { values, positionals } = parseArgs({ args: rest.slice(1), options: { 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError('runs import needs one DIR: the folder crucible launch --out wrote');
        return runsImportCommand(path.resolve(io.cwd, positionals[0]!), resolveDataDir(values['data-dir'], io.env), io);
      }
      const { values } = parse(rest, { json: { type: 'boolean' }, limit: { type: 'string' } }, 0);
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, got "${values.limit}"`);
      return withEngine(values['data-dir'] as string | undefined, (engine) => runsCommand(engine, { json: Boolean(values.json), limit }, io));
    }
    case 'logs': {
      const { values, positionals } = parseArgs({ args: rest, options: { node: { type: 'string' }, level: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
      if (positionals.length !== 1) throw new UsageError('logs needs one RUN: a run id from "crucible runs", or "last"');
      const options = { run: positionals[0]!, node: values.node, level: values.level, json: Boolean(values.json) };
      return withEngine(values['data-dir'], (engine) => logsCommand(engine, options, io));
    }
    case 'run': {
      const { values, positionals } = parse(
        rest,
        { target: { type: 'string', multiple: true }, set: { type: 'string', multiple: true }, force: { type: 'string', multiple: true }, json: { type: 'boolean' }, exit: { type: 'boolean' } },
        1,
      );
      const options = {
        file: positionals[0]!,
        targets: (values.target as string[] | undefined) ?? [],
        overrides: ((values.set as string[] | undefined) ?? []).map(parseSetFlag),
        force: (values.force as string[] | undefined) ?? [],
        json: Boolean(values.json),
        exit: Boolean(values.exit),
      };
      return withEngine(values['data-dir'] as string | undefined, (engine) => runCommand(engine, options, io));
    }
    case 'studio': {
      const { values } = parse(rest, { port: { type: 'string' }, 'no-open': { type: 'boolean' }, 'no-build': { type: 'boolean' }, 'restore-services': { type: 'boolean' } }, 0);
      const port = values.port === undefined ? 0 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
      // Checked before the engine opens its database, so a refused second studio touches nothing of the first's.
      const refusal = engineServingRefusal(resolveDataDir(values['data-dir'] as string | undefined, io.env));
      if (refusal !== undefined) {
        io.stderr.write(`crucible studio: ${refusal}\n`);
        return EXIT.failed;
      }
      return withEngine(values['data-dir'] as string | undefined, (engine) => studioCommand(engine, { port, open: !values['no-open'], build: !values['no-build'], restoreServices: Boolean(values['restore-services']) }, io));
    }
    case 'launch': {
      const { dataDir, ...options } = parseLaunchArgs(rest, io.cwd);
      return withEngine(dataDir, (engine) => launchCommand(engine, registry, options, io));
    }
    case 'keys':
      return keysCommand(rest, io);
    case 'services':
      return servicesCommand(rest, io);
    case 'serve':
      return serveCommand(rest, io);
    case 'gateway':
      return gatewayCommand(rest, io);
    case 'usage':
      return usageCommand(rest, io);
    case 'data':
      return dataCommand(rest, io);
    case 'models':
      return modelsCommand(rest, io);
    case 'export':
      return exportCommand(rest, io);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

type ParsedValues = Record<string, string | boolean | string[] | undefined>;

function parse(args: string[], options: OptionSpec, positionalCount: number): { values: ParsedValues; positionals: string[] } {
  const parsed = parseArgs({ args, options: { ...options, 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true }) as { values: ParsedValues; positionals: string[] };
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(positionalCount === 0 ? `unexpected argument "${parsed.positionals[0]}"` : `expected ${positionalCount === 1 ? 'a pipeline FILE' : `${positionalCount} arguments`}`);
  }
  return parsed;
}
