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
  result.samples.forEach((sample, index) => {
    lines.push('', `## Sample ${index + 1} (${sample.tokens} tokens)`, '', '```text', `${sample.prompt}${sample.text}`, '```');
  });
  return `${lines.join('\n')}\n`;
}
