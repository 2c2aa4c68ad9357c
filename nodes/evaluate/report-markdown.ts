// The human-readable report.md of the evaluate node: the metrics as a table, then each sampled generation.
import type { EvaluationResult } from '../../app/artifacts/reports.ts';

const formatNumber = (value: number | null) => (value === null ? 'n/a (no tokenizer)' : value.toFixed(4));

export function reportMarkdown(result: EvaluationResult, modelKey: string): string {
  const lines = [
    '# Evaluation',
    '',
    `Model: \`${modelKey}\`, scored through \`${result.decoder}\` (${result.precision})`,
    '',
    '| metric | value |',
    '| --- | --- |',
    `| val loss | ${formatNumber(result.valLoss)} |`,
    `| perplexity | ${formatNumber(result.perplexity)} |`,
    `| bits per token | ${formatNumber(result.bitsPerToken)} |`,
    `| bits per character | ${formatNumber(result.bitsPerCharacter)} |`,
    `| bits per byte | ${formatNumber(result.bitsPerByte)} |`,
    `| tokens scored | ${result.tokensScored} |`,
  ];
  const suite = result.multipleChoice;
  if (suite !== null) {
    const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
    lines.push(
      '',
      '## Multiple choice',
      '',
      `${suite.questions} questions from \`${suite.file}\`, each choice scored by its summed log-likelihood after the context.`,
      '',
      '| metric | value |',
      '| --- | --- |',
      `| accuracy | ${percent(suite.accuracy)} |`,
      `| accuracy (length-normalised) | ${percent(suite.accuracyNorm)} |`,
    );
  }
  result.samples.forEach((sample, index) => {
    lines.push('', `## Sample ${index + 1} (${sample.tokens} tokens)`, '', '```text', `${sample.prompt}${sample.text}`, '```');
  });
  return `${lines.join('\n')}\n`;
}
