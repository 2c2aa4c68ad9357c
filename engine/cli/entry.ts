// The CLI's process entry: runs `crucible` with this process's arguments and streams. bin/crucible.js imports the
// built dist/node/cli.js, or this file through tsx in a checkout without a build. `--version` answers before the
// rest of the CLI (the engine, every node type, SQLite) is loaded, since scripts and editors call it to probe.
import { CRUCIBLE_VERSION } from '../version.ts';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${CRUCIBLE_VERSION}\n`);
} else {
  const [{ runCli }, { processIo }] = await Promise.all([import('./main.ts'), import('./io.ts')]);
  process.exitCode = await runCli(args, processIo());
}
