// `npm run bench:ingest`: dataset ingest throughput (MB/s) and peak RSS on a generated JSONL file, each dedupe
// mode in a fresh child process. Usage: node --import tsx bench/ingest.ts [megabytes, default 500]
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const megabytes = Number(process.argv[2] ?? 500);
const CHILD = path.join(import.meta.dirname, '../engine/ingest/testing/memory-bound.child.ts');
const WORDS = 'the of and to in a is that for it as was with be by on not he this are or his from at which but an had they you were her'.split(' ');

/** Records of 50–400 pseudo-random words; about 1 in 20 repeats the record before it, so dedup has work. */
async function writeJsonl(file: string, bytes: number): Promise<number> {
  let state = 12345;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  const out = createWriteStream(file);
  let records = 0;
  let previous = '';
  for (let written = 0; written < bytes; records++) {
    const repeat = records > 0 && random() < 0.05;
    const text = repeat ? previous : Array.from({ length: 50 + Math.floor(random() * 350) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
    previous = text;
    const line = `${JSON.stringify({ id: records, text })}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return records;
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-bench-ingest-'));
try {
  const file = path.join(folder, 'bench.jsonl');
  const records = await writeJsonl(file, megabytes * 1024 * 1024);
  const size = statSync(file).size;
  console.log(`input: ${(size / 1e6).toFixed(0)} MB JSONL, ${records} records; ${os.cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}`);
  const rows = ['none', 'exact', 'near'].map((dedupe) => {
    const output = execFileSync(process.execPath, ['--import', 'tsx', CHILD, file, 'file', dedupe], { cwd: path.resolve(import.meta.dirname, '..'), encoding: 'utf8' });
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { seconds: number; peakRssBytes: number; stats: { duplicatesRemoved: number; train: { documents: number }; val: { documents: number } } };
    return {
      dedupe,
      'MB/s': (size / 1e6 / result.seconds).toFixed(1),
      seconds: result.seconds.toFixed(1),
      'peak RSS (MB)': (result.peakRssBytes / 1e6).toFixed(0),
      'documents kept': result.stats.train.documents + result.stats.val.documents,
      'duplicates removed': result.stats.duplicatesRemoved,
    };
  });
  console.table(rows);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
