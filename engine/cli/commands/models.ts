// `crucible models add DIR --repo ID --revision SHA`: registers a local copy of a hub model folder as the snapshot of
// that repo and commit, so a pipeline's model node naming them runs offline (like `crucible data add` for datasets).
// `crucible models list`: the model snapshots in the data dir.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../../../app/text/format-quantity.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { repoIdProblem, revisionProblem } from '../../hub/model-ref.ts';
import { registerLocalModel } from '../../hub/register-local-model.ts';
import { listSnapshots } from '../../hub/snapshot-store.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

const COMMANDS = 'add DIR --repo ID --revision SHA, list';

export async function modelsCommand(args: string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === 'add') return modelsAdd(rest, io);
  if (subcommand === 'list') return modelsList(rest, io);
  throw new UsageError(subcommand ? `unknown models command "${subcommand}"; the models command has: ${COMMANDS}` : `models needs a command: ${COMMANDS}`);
}

async function modelsAdd(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { repo: { type: 'string' }, revision: { type: 'string' }, 'data-dir': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('models add needs exactly one DIR, the local copy of the model folder');
  if (!values.repo || !values.revision) throw new UsageError('models add needs --repo ID and --revision SHA: the hub repo and the commit the folder is a copy of');
  const problem = repoIdProblem(values.repo) ?? revisionProblem(values.revision);
  if (problem) throw new UsageError(`models add: ${problem}`);
  const dataDir = resolveDataDir(values['data-dir'], io.env);
  try {
    const snapshot = await registerLocalModel(dataDir, path.resolve(io.cwd, positionals[0]!), { repo: values.repo, revision: values.revision });
    const bytes = snapshot.files.reduce((sum, file) => sum + file.bytes, 0);
    io.stdout.write(`registered ${values.repo} at ${values.revision}: ${snapshot.files.length} files, ${formatBytes(bytes)}, in ${snapshot.folder}\n`);
    for (const file of snapshot.files) io.stdout.write(`  ${file.name}  ${formatBytes(file.bytes)}  sha256 ${file.sha256}\n`);
    io.stdout.write('pipelines whose model node names this repo and revision now use this copy instead of downloading it\n');
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`models add: ${(error as Error).message}\n`);
    return EXIT.unreadable;
  }
}

async function modelsList(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const snapshots = await listSnapshots(resolveDataDir(values['data-dir'], io.env));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(snapshots, null, 2)}\n`);
    return EXIT.ok;
  }
  if (snapshots.length === 0) io.stdout.write('no models yet: a pipeline\'s model node downloads one, or register a local copy with crucible models add\n');
  for (const snapshot of snapshots) {
    const bytes = snapshot.files.reduce((sum, file) => sum + file.bytes, 0);
    const origin = snapshot.source === 'hub' ? 'downloaded' : 'registered';
    io.stdout.write(`${snapshot.repo}  ${snapshot.revision}  ${snapshot.files.length} files, ${formatBytes(bytes)}, ${origin}\n`);
  }
  return EXIT.ok;
}
