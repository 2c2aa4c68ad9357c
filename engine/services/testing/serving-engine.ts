// An Engine for serving tests: the built-in nodes plus a test-only `model-folder` node that hands a model folder on
// as a Model artifact, so a deploy → api-endpoint pipeline needs no training.
import { cpSync } from 'node:fs';
import { z } from 'zod';
import { NodeRegistry } from '../../../app/nodes/registry.ts';
import type { NodeRunModule } from '../../../app/nodes/run-contract.ts';
import { defineNodeSpec } from '../../../app/nodes/spec.ts';
import { builtInRunModules } from '../../../nodes/runs.ts';
import { builtInNodeSpecs } from '../../../nodes/specs.ts';
import { Engine } from '../../engine.ts';

const modelFolderSpec = defineNodeSpec({
  type: 'model-folder',
  title: 'Model folder',
  category: 'Data',
  summary: 'test fixture',
  docs: 'test fixture',
  icon: 'box',
  version: 1,
  inputs: [],
  outputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'The copied folder.' }],
  config: z.object({ folder: z.string().default('').describe('A model folder') }),
});
const modelFolderRun: NodeRunModule<{ folder: string }> = {
  type: 'model-folder',
  run: async (ctx) => {
    cpSync(ctx.config.folder, ctx.outputDir('model'), { recursive: true });
    return { outputs: { model: {} } };
  },
};

/** Opens an Engine on `dataDir` whose pipelines may start from a `model-folder` node ({ folder }). */
export function openServingEngine(dataDir: string): Promise<Engine> {
  const runModules = builtInRunModules();
  runModules.set('model-folder', modelFolderRun as NodeRunModule);
  return Engine.open({ dataDir, registry: new NodeRegistry([...builtInNodeSpecs, modelFolderSpec]), runModules });
}
