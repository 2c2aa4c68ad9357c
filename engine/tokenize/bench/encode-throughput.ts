// Benchmark: GPT-2 encoding throughput (MB/s of UTF-8 input) of Crucible's tokenizer against js-tiktoken, same text,
// same process. Run: node --import tsx engine/tokenize/bench/encode-throughput.ts [file]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { loadHuggingFaceTokenizer } from '../load-hugging-face-tokenizer.ts';
import { gpt2TokenizerJson } from '../testing/gpt2-from-tiktoken.ts';
import type { Tokenizer } from '../tokenizer.ts';

const RUNS = 5;
const textPath = process.argv[2] ?? path.resolve(import.meta.dirname, '../../../../shared/data/tinyshakespeare.txt');
const text = readFileSync(textPath, 'utf8');
const megabytes = Buffer.byteLength(text) / 1e6;

/** Median MB/s over RUNS; `prepare` runs untimed before each run and hands its result to `encode`. */
function medianMegabytesPerSecond<Prepared>(prepare: () => Prepared, encode: (prepared: Prepared) => unknown): number {
  const seconds: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const prepared = prepare();
    const startMs = performance.now();
    encode(prepared);
    seconds.push((performance.now() - startMs) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return megabytes / (seconds[Math.floor(RUNS / 2)] as number);
}

const json = gpt2TokenizerJson();
const loadStartMs = performance.now();
const warmTokenizer = loadHuggingFaceTokenizer(json);
const loadMs = performance.now() - loadStartMs;
const reference = getEncoding('gpt2');
const encodeWith = (tokenizer: Tokenizer) => tokenizer.encode(text);

const coldCache = medianMegabytesPerSecond(() => loadHuggingFaceTokenizer(json), encodeWith);
const warmCache = medianMegabytesPerSecond(() => warmTokenizer, encodeWith);
const jsTiktoken = medianMegabytesPerSecond(() => reference, (encoding) => encoding.encode(text));

console.log(`text: ${path.basename(textPath)}, ${megabytes.toFixed(2)} MB; GPT-2 tokenizer.json load: ${loadMs.toFixed(0)} ms; median of ${RUNS} runs`);
console.table([
  { what: 'crucible, fresh tokenizer (empty piece cache)', 'MB/s': coldCache.toFixed(2), 'x js-tiktoken': (coldCache / jsTiktoken).toFixed(2) },
  { what: 'crucible, warm piece cache', 'MB/s': warmCache.toFixed(2), 'x js-tiktoken': (warmCache / jsTiktoken).toFixed(2) },
  { what: 'js-tiktoken gpt2', 'MB/s': jsTiktoken.toFixed(2), 'x js-tiktoken': '1.00' },
]);
