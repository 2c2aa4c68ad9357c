// Benchmark: BPE training time and peak RSS on tinyshakespeare to vocab 4096, against sentencepiece's
// `spm_train --model_type=bpe` (Debian package `sentencepiece`) run in the same session. Each side runs as its own process.
// Run: node --import tsx engine/tokenize/bench/train-speed.ts [file] [vocabSize]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trainBpe } from '../train-bpe.ts';

const textPath = process.argv[2] ?? path.resolve(import.meta.dirname, '../../../../shared/data/tinyshakespeare.txt');
const vocabSize = Number(process.argv[3] ?? 4096);
const RUNS = 3;

interface Measurement {
  wallSeconds: number;
  peakRssMb: number | undefined;
  stdout: string;
}

/** Runs a command under GNU time (for peak RSS) when it is installed; the best of RUNS wall times is kept. */
function measureProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Measurement {
  const gnuTime = existsSync('/usr/bin/time');
  let best: Measurement = { wallSeconds: Number.POSITIVE_INFINITY, peakRssMb: undefined, stdout: '' };
  for (let run = 0; run < RUNS; run++) {
    const startMs = performance.now();
    const result = spawnSync(gnuTime ? '/usr/bin/time' : command, gnuTime ? ['-f', 'peak-rss-kb %M', command, ...args] : args, { encoding: 'utf8', env });
    const wallSeconds = (performance.now() - startMs) / 1000;
    if (result.status !== 0) throw new Error(`${command} failed (exit ${result.status}): ${result.stderr.slice(-500)}`);
    const rssKb = /peak-rss-kb (\d+)/.exec(result.stderr)?.[1];
    if (wallSeconds < best.wallSeconds) best = { wallSeconds, peakRssMb: rssKb === undefined ? undefined : Number(rssKb) / 1024, stdout: result.stdout };
  }
  return best;
}

function trainInThisProcess(): void {
  const startMs = performance.now();
  const tokenizer = trainBpe(readFileSync(textPath, 'utf8'), { vocabSize });
  console.log(`trained ${tokenizer.vocabSize} tokens in ${((performance.now() - startMs) / 1000).toFixed(3)} s`);
}

if (process.env['CRUCIBLE_BENCH_CHILD'] === '1') {
  trainInThisProcess();
} else {
  const childEnv = { ...process.env, CRUCIBLE_BENCH_CHILD: '1' };
  const crucible = measureProcess(process.execPath, ['--import', 'tsx', import.meta.filename, textPath, String(vocabSize)], childEnv);
  const spmAvailable = spawnSync('spm_train', ['--help']).error === undefined;
  const outputDir = mkdtempSync(path.join(tmpdir(), 'spm-bench-'));
  const spm = spmAvailable
    ? measureProcess('spm_train', [`--input=${textPath}`, `--model_prefix=${path.join(outputDir, 'bench')}`, `--vocab_size=${vocabSize}`, '--model_type=bpe', '--minloglevel=2'])
    : undefined;
  rmSync(outputDir, { recursive: true, force: true });
  const trainSeconds = Number(/in ([\d.]+) s/.exec(crucible.stdout)?.[1]);
  const format = (value: number | undefined, digits: number): string => (value === undefined ? 'n/a' : value.toFixed(digits));
  console.log(`BPE training to vocab ${vocabSize} on ${path.basename(textPath)}; best of ${RUNS} runs; wall = whole process, Node + tsx start-up included`);
  console.table([
    { what: 'crucible trainBpe (whole process)', 'wall s': format(crucible.wallSeconds, 2), 'peak RSS MB': format(crucible.peakRssMb, 0), 'x spm time': format(spm && crucible.wallSeconds / spm.wallSeconds, 2) },
    { what: 'crucible trainBpe (call only)', 'wall s': format(trainSeconds, 2), 'peak RSS MB': '', 'x spm time': format(spm && trainSeconds / spm.wallSeconds, 2) },
    { what: 'spm_train --model_type=bpe', 'wall s': format(spm?.wallSeconds, 2), 'peak RSS MB': format(spm?.peakRssMb, 0), 'x spm time': spm ? '1.00' : 'not installed' },
  ]);
}
