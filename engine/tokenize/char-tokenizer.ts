// Character-level tokenizer: one token per Unicode code point in its vocabulary, `<unk>` for any other. Written to
// tokenizer.json as a BPE model with no merges and no pre-tokenizer plus a Fuse decoder (see README.md for why).
import { AddedTokenSplitter } from './added-token-splitter.ts';
import { bpeTokenizerJson } from './bpe-tokenizer-json.ts';
import type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';
import type { AddedToken, Tokenizer } from './tokenizer.ts';
import { utf8Encoder } from './token-text.ts';

export interface CharTokenizerDefinition {
  /** Single code points and the added tokens (unk, specials) to ids. */
  vocab: ReadonlyMap<string, number>;
  unkToken: string;
  addedTokens: readonly AddedToken[];
}

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  readonly vocabSize: number;
  readonly addedTokens: readonly AddedToken[];
  readonly unkToken: string;
  readonly addsPrefixSpace = false;
  private readonly definition: CharTokenizerDefinition;
  private readonly tokens: string[] = [];
  private readonly bmpIds = new Int32Array(0x10000).fill(-1);
  private readonly astralIds = new Map<number, number>();
  private readonly unkId: number;
  private readonly splitter: AddedTokenSplitter;

  constructor(definition: CharTokenizerDefinition) {
    this.definition = definition;
    this.addedTokens = definition.addedTokens;
    const unkId = definition.vocab.get(definition.unkToken);
    if (unkId === undefined) throw new Error(`char tokenizer: unk token ${JSON.stringify(definition.unkToken)} is not in the vocabulary; add it so unseen characters have an id`);
    this.unkId = unkId;
    this.unkToken = definition.unkToken;
    for (const [token, id] of definition.vocab) {
      this.tokens[id] = token;
      const codePoint = token.codePointAt(0) as number;
      if (token.length !== (codePoint > 0xffff ? 2 : 1)) continue;
      if (codePoint > 0xffff) this.astralIds.set(codePoint, id);
      else this.bmpIds[codePoint] = id;
    }
    this.vocabSize = this.tokens.length;
    this.splitter = new AddedTokenSplitter(definition.addedTokens);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    this.splitter.forEachSegment(text, ({ start, end, addedTokenId }) => {
      if (addedTokenId !== undefined) ids.push(addedTokenId);
      else this.encodeCharacters(text, start, end, ids);
    });
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const token = this.tokens[ids[i] as number];
      if (token === undefined) throw new Error(`decode: id ${ids[i]} is not in the vocabulary (ids run from 0 to ${this.vocabSize - 1})`);
      text += token;
    }
    return text;
  }

  bytesOf(id: number): Uint8Array {
    return utf8Encoder.encode(this.decode([id]));
  }

  idOf(token: string): number | undefined {
    return this.definition.vocab.get(token);
  }

  tokenOf(id: number): string | undefined {
    return this.tokens[id];
  }

  /** BPE without merges splits text into code points and maps each through the vocabulary, unk when absent. */
  toHuggingFaceJson(): HuggingFaceTokenizerJson {
    return bpeTokenizerJson({
      addedTokens: this.addedTokens,
      preTokenizer: null,
      postProcessor: null,
      decoder: { type: 'Fuse' },
      vocab: this.definition.vocab,
      merges: [],
      unkToken: this.definition.unkToken,
      ignoreMerges: false,
    });
  }

  private encodeCharacters(text: string, start: number, end: number, ids: number[]): void {
    for (let i = start; i < end; i++) {
      const codePoint = text.codePointAt(i) as number;
      if (codePoint > 0xffff) {
        ids.push(this.astralIds.get(codePoint) ?? this.unkId);
        i++;
      } else {
        const id = this.bmpIds[codePoint] as number;
        ids.push(id < 0 ? this.unkId : id);
      }
    }
  }
}
