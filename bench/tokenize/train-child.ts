// Child process of the training benchmark: trains a byte-level BPE on a text file the way the tokenizer node does
// (streamed from disk in chunks, never one string) and prints the call's time and this process's peak RSS as JSON.
import { trainBpe } from '../../engine/tokenize/index.ts';
import { splitChunks } from '../../engine/capabilities/tokenizer/split-chunks.ts';
import { readSplitPieces } from '../../engine/capabilities/tokenizer/split-pieces.ts';

const [textPath, vocabSizeText] = process.argv.slice(2);
if (!textPath || !vocabSizeText) throw new Error('usage: train-child.ts <text file> <vocabSize>');
const specialTokens = ['<|endoftext|>'];

function* texts(): Generator<string> {
  const pieces = readSplitPieces({ textPath: textPath as string, documentBoundaries: null });
  for (const chunk of splitChunks(pieces, { chunkChars: 1 << 20, separator: null, addedTokens: specialTokens })) yield chunk.text;
}

const startMs = performance.now();
const tokenizer = trainBpe(texts(), { vocabSize: Number(vocabSizeText), specialTokens });
const trainSeconds = (performance.now() - startMs) / 1000;
console.log(JSON.stringify({ vocabSize: tokenizer.vocabSize, trainSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
