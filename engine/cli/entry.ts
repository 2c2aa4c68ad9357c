// The CLI's process entry: runs `crucible` with this process's arguments and streams. bin/crucible.js imports the
// built dist/node/cli.js, or this file through tsx in a checkout without a build.
import { processIo } from './io.ts';
import { runCli } from './main.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo());
