// Engine side of the evaluate node: scores the model on the Tokens artifact's val split and samples generations
// through ctx.capabilities.training, then writes report.json and report.md as the Report artifact.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FingerprintContext, NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { EvaluateConfig } from '../capabilities/training.ts';
import { reportMarkdown } from './report-markdown.ts';

export const evaluateRun: NodeRunOf<EvaluateConfig> = { type: 'evaluate', run: runEvaluate, fingerprint: suiteFingerprint };

/**
 * The suite path comes resolved against the pipeline's folder (spec pathFields); an unsaved pipeline's relative path
 * starts at the engine's working folder.
 */
function suitePath(config: EvaluateConfig): string | null {
  return config.multipleChoice === '' ? null : path.resolve(config.multipleChoice);
}

/** The suite's content joins the cache key: an edited suite re-runs the node, as an edited dataset source does. */
async function suiteFingerprint(context: FingerprintContext<EvaluateConfig>): Promise<string> {
  const file = suitePath(context.config);
  if (file === null) return '';
  // An unreadable suite gets a key of its own; the run then fails with the reason.
  const content = await readFile(file).catch(() => null);
  return content === null ? 'unreadable' : createHash('sha256').update(content).digest('hex');
}

async function runEvaluate(ctx: NodeRunContextOf<EvaluateConfig>): Promise<NodeRunResult> {
  const [model, tokens] = [ctx.input('model'), ctx.input('tokens')];
  ctx.progress({ fraction: 0, message: `scoring ${ctx.config.evalBatches} val batches, then ${ctx.config.samples} samples` });
  const multipleChoiceFile = suitePath(ctx.config);
  const request = { config: ctx.config, modelFolder: model.path, tokensFolder: tokens.path, multipleChoiceFile };
  const result = await ctx.capabilities.training.evaluate(request, { signal: ctx.signal, log: (line, level) => ctx.log(line, level) });
  const reportDir = ctx.outputDir('report');
  const report = { format: 'crucible.evaluation', version: 1, model: model.key, tokens: tokens.key, config: ctx.config, ...result };
  await writeFile(path.join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(reportDir, 'report.md'), reportMarkdown(result, model.key));
  const metrics: Record<string, number> = { valLoss: result.valLoss, perplexity: result.perplexity, bitsPerToken: result.bitsPerToken };
  if (result.bitsPerCharacter !== null) metrics.bitsPerCharacter = result.bitsPerCharacter;
  if (result.bitsPerByte !== null) metrics.bitsPerByte = result.bitsPerByte;
  if (result.multipleChoice !== null) {
    metrics.multipleChoiceAccuracy = result.multipleChoice.accuracy;
    metrics.multipleChoiceAccuracyNorm = result.multipleChoice.accuracyNorm;
  }
  ctx.progress({ fraction: 1, message: `val loss ${result.valLoss.toFixed(4)}, perplexity ${result.perplexity.toFixed(2)}`, metrics });
  return { outputs: { report: { meta: { ...metrics, samples: result.samples.length } } }, metrics };
}
