// `crucible usage [--key NAME] [--since DATE] [--until DATE] [--csv|--json] [--store URL]`: API usage per day, key
// and model, from the request log api-endpoints write (the data directory's database, or a shared store).
import { parseArgs } from 'node:util';
import { usageQuerySchema, type UsageReport, type UsageRow } from '../../../app/protocol/serving-api.ts';
import { describeZodIssues } from '../../../app/graph/zod-issues.ts';
import { openCliStore, STORE_OPTIONS } from './serving-store-flags.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

const CSV_COLUMNS: (keyof UsageRow)[] = ['day', 'key', 'model', 'requests', 'errors', 'promptTokens', 'completionTokens', 'cost', 'currency', 'avgLatencyMs', 'avgTtftMs'];

export async function usageCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { key: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, csv: { type: 'boolean' }, json: { type: 'boolean' }, ...STORE_OPTIONS },
    strict: true,
  });
  const query = { key: values.key, since: values.since, until: values.until };
  const parsed = usageQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new UsageError(`usage: ${describeZodIssues(parsed.error, query).map((issue) => `--${issue.field}: ${issue.message}`).join('; ')}`);
  }
  const store = await openCliStore(values, io, 'usage');
  if (!store) return EXIT.failed;
  try {
    const { key, since, until } = parsed.data;
    const report = await store.requests.report({ keyName: key, since, until });
    if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (values.csv) io.stdout.write(toCsv(report.rows));
    else io.stdout.write(toTable(report));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function toCsv(rows: UsageRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((column) => csvField(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' && !Number.isInteger(value) ? String(Number(value.toFixed(6))) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function toTable(report: UsageReport): string {
  if (report.rows.length === 0) return 'no API requests recorded for this filter\n';
  const header = ['DAY', 'KEY', 'MODEL', 'REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'COST'];
  const body = report.rows.map((row) => [row.day, row.key ?? '(no key)', row.model ?? '-', row.requests, row.errors, row.promptTokens, row.completionTokens, `${row.cost.toFixed(4)} ${row.currency ?? ''}`.trim()]);
  const { totals } = report;
  body.push(['total', '', '', totals.requests, totals.errors, totals.promptTokens, totals.completionTokens, totals.cost.toFixed(4)]);
  const cells = [header, ...body].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return `${cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n')}\n`;
}
