// GPT-2 encoding throughput (MB/s of UTF-8 input) on one thread: Crucible's byte-level BPE loaded from GPT-2's
// tokenizer.json, against js-tiktoken's `gpt2` and tiktoken's (WASM) `gpt2`, on the same text in the same process.
import { getEncoding } from 'js-tiktoken';
import { get_encoding } from 'tiktoken';
import { loadHuggingFaceTokenizer } from '../../engine/tokenize/index.ts';
import { gpt2TokenizerJson } from '../../engine/tokenize/testing/gpt2-from-tiktoken.ts';
import { median } from '../median.ts';

export interface EncodingComparison {
  megabytes: number;
  /** A tokenizer loaded fresh before each run: its piece cache starts empty, as for a new encode worker. */
  crucibleFreshMBps: number;
  /** The same tokenizer every run: pieces seen before come from its cache. */
  crucibleWarmMBps: number;
  jsTiktokenMBps: number;
  tiktokenWasmMBps: number;
}

/** Median MB/s over `runs`; `prepare` runs untimed before each run and hands its result to `encode`. */
function medianMBps<Prepared>(megabytes: number, runs: number, prepare: () => Prepared, encode: (prepared: Prepared) => unknown): number {
  const seconds = Array.from({ length: runs }, () => {
    const prepared = prepare();
    const startMs = performance.now();
    encode(prepared);
    return (performance.now() - startMs) / 1000;
  });
  return megabytes / median(seconds);
}

export function compareEncoding(text: string, runs: number): EncodingComparison {
  const megabytes = Buffer.byteLength(text) / 1e6;
  const json = gpt2TokenizerJson();
  const warm = loadHuggingFaceTokenizer(json);
  const jsTiktoken = getEncoding('gpt2');
  const wasm = get_encoding('gpt2');
  const reference = jsTiktoken.encode(text);
  if (warm.encode(text).some((id, index) => id !== reference[index])) throw new Error('bench: Crucible and js-tiktoken disagree on the GPT-2 ids of the bench text; fix that before timing');
  try {
    return {
      megabytes,
      crucibleFreshMBps: medianMBps(megabytes, runs, () => loadHuggingFaceTokenizer(json), (tokenizer) => tokenizer.encode(text)),
      crucibleWarmMBps: medianMBps(megabytes, runs, () => warm, (tokenizer) => tokenizer.encode(text)),
      jsTiktokenMBps: medianMBps(megabytes, runs, () => jsTiktoken, (encoding) => encoding.encode(text)),
      tiktokenWasmMBps: medianMBps(megabytes, runs, () => wasm, (encoding) => encoding.encode(text)),
    };
  } finally {
    wasm.free();
  }
}
