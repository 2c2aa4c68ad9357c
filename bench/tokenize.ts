// `npm run bench:tokenize`: BPE training (time, peak RSS) against sentencepiece and GPT-2 encoding throughput
// against js-tiktoken and tiktoken (WASM), measured in this run on this machine, printed as one table of ratios.
// Usage: node --import tsx bench/tokenize.ts [text file] [vocabSize]
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { compareEncoding } from './tokenize/encode-throughput.ts';
import { compareTraining } from './tokenize/train-speed.ts';

const textPath = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '../../shared/data/tinyshakespeare.txt'));
const vocabSize = Number(process.argv[3] ?? 4096);
const TRAINING_RUNS = 3;
const ENCODING_RUNS = 5;

const format = (value: number | undefined, digits: number): string => (value === undefined ? 'n/a' : value.toFixed(digits));
const ratio = (ours: number, theirs: number | undefined): string => (theirs === undefined ? 'not installed' : `${(ours / theirs).toFixed(2)}x`);

console.log(`text: ${textPath} (${(readFileSync(textPath).length / 1e6).toFixed(2)} MB); ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} threads; Node ${process.version}`);
console.log(`training to vocab ${vocabSize}: median of ${TRAINING_RUNS} whole-process runs each...`);
const training = compareTraining(textPath, vocabSize, TRAINING_RUNS);
console.log(`GPT-2 encoding: median of ${ENCODING_RUNS} runs each, one thread...`);
const encoding = compareEncoding(readFileSync(textPath, 'utf8'), ENCODING_RUNS);
const spm = training.sentencepiece;

console.table([
  { what: `BPE training time to ${vocabSize} (whole process, s)`, crucible: format(training.crucible.processSeconds, 2), reference: spm ? `spm_train ${format(spm.processSeconds, 2)}` : 'spm_train not installed', 'crucible / reference': ratio(training.crucible.processSeconds, spm?.processSeconds), target: '<= 1x' },
  { what: `BPE training time to ${vocabSize} (whole process, bundled child, s)`, crucible: format(training.bundled.processSeconds, 2), reference: spm ? `spm_train ${format(spm.processSeconds, 2)}` : 'spm_train not installed', 'crucible / reference': ratio(training.bundled.processSeconds, spm?.processSeconds), target: '<= 1x' },
  { what: `BPE training time to ${vocabSize} (trainBpe call only, s)`, crucible: format(training.crucible.trainSeconds, 2), reference: spm ? `spm_train ${format(spm.processSeconds, 2)}` : 'spm_train not installed', 'crucible / reference': ratio(training.crucible.trainSeconds, spm?.processSeconds), target: '<= 1x' },
  { what: 'BPE training peak RSS (MB)', crucible: format(training.crucible.peakRssMb, 0), reference: spm ? `spm_train ${format(spm.peakRssMb, 0)}` : 'spm_train not installed', 'crucible / reference': ratio(training.crucible.peakRssMb, spm?.peakRssMb), target: 'report' },
  { what: 'GPT-2 encode MB/s (fresh piece cache)', crucible: format(encoding.crucibleFreshMBps, 2), reference: `js-tiktoken ${format(encoding.jsTiktokenMBps, 2)}`, 'crucible / reference': ratio(encoding.crucibleFreshMBps, encoding.jsTiktokenMBps), target: '>= 2x' },
  { what: 'GPT-2 encode MB/s (warm piece cache)', crucible: format(encoding.crucibleWarmMBps, 2), reference: `js-tiktoken ${format(encoding.jsTiktokenMBps, 2)}`, 'crucible / reference': ratio(encoding.crucibleWarmMBps, encoding.jsTiktokenMBps), target: '>= 2x' },
  { what: 'GPT-2 encode MB/s (fresh piece cache)', crucible: format(encoding.crucibleFreshMBps, 2), reference: `tiktoken WASM ${format(encoding.tiktokenWasmMBps, 2)}`, 'crucible / reference': ratio(encoding.crucibleFreshMBps, encoding.tiktokenWasmMBps), target: 'report' },
]);
