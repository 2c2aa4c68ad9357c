#!/usr/bin/env node
// The `crucible` command: loads the TypeScript sources through tsx's loader and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../engine/cli/main.ts');
const { processIo } = await import('../engine/cli/io.ts');
process.exitCode = await runCli(process.argv.slice(2), processIo());
