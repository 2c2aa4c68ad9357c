// `crucible data add FILE`: copies a local file into the download cache under its sha256, so a pipeline naming a
// URL pinned to that hash runs without a network (CI registers ../shared/data/tinyshakespeare.txt this way).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../../config/data-dir.ts';
import { registerLocalFile } from '../../ingest/download-cache.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

export async function dataCommand(args: string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'add') throw new UsageError(subcommand ? `unknown data command "${subcommand}"; the data command has: add FILE` : 'data needs a command: add FILE');
  const { values, positionals } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('data add needs exactly one FILE, the local copy to register');
  const file = path.resolve(io.cwd, positionals[0]!);
  const dataDir = resolveDataDir(values['data-dir'], io.env);
  try {
    const registered = await registerLocalFile(dataDir, file);
    const status = registered.alreadyCached ? 'was already registered' : 'registered';
    io.stdout.write(`${positionals[0]} ${status}: sha256 ${registered.sha256}, ${registered.bytes} bytes, in ${path.dirname(registered.path)}\n`);
    io.stdout.write('pipelines whose dataset names a URL with this sha256 now read this copy instead of downloading it\n');
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`data add: ${(error as Error).message}\n`);
    return EXIT.unreadable;
  }
}
