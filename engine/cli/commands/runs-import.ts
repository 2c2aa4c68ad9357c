// `crucible runs import DIR`: the model a cluster trained from a `crucible launch` folder, into the artifact store
// (engine/torch-runner/run-import.ts).
import { importLaunchedRun } from '../../torch-runner/run-import.ts';
import { EXIT, type CliIo } from '../io.ts';

export async function runsImportCommand(dir: string, dataDir: string, io: CliIo): Promise<number> {
  try {
    const { artifact, outcome } = await importLaunchedRun(dir, dataDir);
    const { nodeId, nodeType, key } = artifact.record;
    if (outcome === null) io.stdout.write(`already imported: ${artifact.path}\n`);
    else io.stdout.write(`imported ${nodeType} ${nodeId} as Model ${key.slice(0, 12)} (${outcome.parameterCount.toLocaleString('en-US')} parameters): ${artifact.path}\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return EXIT.failed;
  }
}
