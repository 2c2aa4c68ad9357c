// Test helper: rebuilds GPT-2's Hugging Face tokenizer.json from js-tiktoken's offline ranks, so parity tests need no
// download and no committed 1 MB vocabulary. Merges are recovered by re-running BPE on each token's bytes.
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { bytesToByteLevel } from '../byte-level-alphabet.ts';
import { byteLevelBpeToJson } from '../byte-level-bpe-json.ts';
import type { HuggingFaceTokenizerJson } from '../hugging-face-schema.ts';

const END_OF_TEXT = '<|endoftext|>';

/** Byte-level token strings in rank order (rank = GPT-2 id). The ranks line reads "<tag> <first rank> <base64>...". */
function tokensByRank(): string[] {
  const tokens: string[] = [];
  for (const line of gpt2Ranks.bpe_ranks.split('\n').filter(Boolean)) {
    const [, firstRankText, ...encoded] = line.split(' ');
    const firstRank = Number(firstRankText);
    encoded.forEach((base64, index) => (tokens[firstRank + index] = bytesToByteLevel(Buffer.from(base64, 'base64'))));
  }
  return tokens;
}

/** The pair that makes `token`: tiktoken-style BPE restricted to ranks below the token's own, run until two parts remain. */
function mergeThatMakes(token: string, rank: number, rankOf: Map<string, number>): [string, string] {
  const parts = Array.from(token);
  while (parts.length > 2) {
    let best = -1;
    let bestRank = rank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const pairRank = rankOf.get((parts[i] as string) + (parts[i + 1] as string));
      if (pairRank !== undefined && pairRank < bestRank) {
        bestRank = pairRank;
        best = i;
      }
    }
    if (best < 0) throw new Error(`gpt2 ranks: token ${JSON.stringify(token)} (rank ${rank}) cannot be built from lower ranks`);
    parts.splice(best, 2, (parts[best] as string) + (parts[best + 1] as string));
  }
  return [parts[0] as string, parts[1] as string];
}

export function gpt2TokenizerJson(): HuggingFaceTokenizerJson {
  const tokens = tokensByRank();
  const rankOf = new Map(tokens.map((token, rank) => [token, rank]));
  const merges = tokens.slice(256).map((token, index) => mergeThatMakes(token, index + 256, rankOf));
  const endOfTextId = gpt2Ranks.special_tokens[END_OF_TEXT] as number;
  rankOf.set(END_OF_TEXT, endOfTextId);
  return byteLevelBpeToJson({
    vocab: rankOf,
    merges,
    addedTokens: [{ id: endOfTextId, content: END_OF_TEXT, special: true, lstrip: false, rstrip: false, singleWord: false }],
  });
}
