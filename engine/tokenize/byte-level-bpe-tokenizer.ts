// GPT-2-style byte-level BPE: added tokens are split out first, the rest is cut into GPT-2 pieces, each piece's UTF-8
// bytes become base tokens and merges apply by rank. A per-piece cache makes repeated words cost one Map lookup.
import { AddedTokenSplitter } from './added-token-splitter.ts';
import { BYTE_TO_CHAR, byteLevelToBytes } from './byte-level-alphabet.ts';
import { byteLevelBpeToJson } from './byte-level-bpe-json.ts';
import { MergeTable, mergeWord } from './bpe-merges.ts';
import { gpt2PieceEnd } from './gpt2-pretokenizer.ts';
import { CharClass, classOfCodePoint } from './unicode-classes.ts';
import type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';
import { describeAsTokens, utf8Decoder, utf8Encoder } from './token-text.ts';
import type { AddedToken, Tokenizer } from './tokenizer.ts';

export interface ByteLevelBpeDefinition {
  /** Byte-level token strings (space is "Ġ") to ids. */
  vocab: ReadonlyMap<string, number>;
  /** In rank order: earlier merges apply first. */
  merges: ReadonlyArray<readonly [string, string]>;
  addedTokens: readonly AddedToken[];
  /** Hugging Face ByteLevel `add_prefix_space`: prepend " " to text that does not start with one. */
  addPrefixSpace?: boolean;
  /** Hugging Face BPE `ignore_merges`: a piece that is itself in the vocabulary becomes that one token. */
  ignoreMerges?: boolean;
  /**
   * A Hugging Face `Digits` pre-tokenizer before ByteLevel (SmolLM's and StarCoder's tokenizers): numbers are cut out
   * before GPT-2's pattern runs, each digit alone (`individual`) or each run of digits (`runs`).
   */
  digits?: 'individual' | 'runs';
}

/** Pieces longer than this are encoded without caching so one huge run cannot pin memory. */
const MAX_CACHED_PIECE_LENGTH = 128;
const MAX_CACHED_PIECES = 200_000;

export class ByteLevelBpeTokenizer implements Tokenizer {
  readonly kind = 'byte-level-bpe';
  readonly vocabSize: number;
  readonly addedTokens: readonly AddedToken[];
  readonly unkToken = undefined;
  readonly addsPrefixSpace: boolean;
  private readonly definition: ByteLevelBpeDefinition;
  private readonly tokens: (string | undefined)[];
  private readonly tokenBytes: (Uint8Array | undefined)[];
  private readonly byteToBaseId = new Int32Array(256).fill(-1);
  private readonly mergeTable: MergeTable;
  private readonly splitter: AddedTokenSplitter;
  private readonly pieceCache = new Map<string, number[]>();
  private utf8Scratch = new Uint8Array(1024);

  constructor(definition: ByteLevelBpeDefinition) {
    this.definition = definition;
    this.addedTokens = definition.addedTokens;
    this.addsPrefixSpace = definition.addPrefixSpace === true;
    this.tokens = [];
    for (const [token, id] of definition.vocab) this.tokens[id] = token;
    for (const added of definition.addedTokens) this.tokens[added.id] ??= added.content;
    this.vocabSize = this.tokens.length;
    this.tokenBytes = Array.from(this.tokens, (token) => (token === undefined ? undefined : (byteLevelToBytes(token) ?? utf8Encoder.encode(token))));
    for (const added of definition.addedTokens) this.tokenBytes[added.id] = utf8Encoder.encode(added.content);
    BYTE_TO_CHAR.forEach((char, byte) => (this.byteToBaseId[byte] = definition.vocab.get(char) ?? -1));
    this.mergeTable = new MergeTable(definition.merges.map((pair, rank) => this.mergeIds(pair, rank)));
    this.splitter = new AddedTokenSplitter(definition.addedTokens);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    this.splitter.forEachSegment(text, ({ start, end, addedTokenId }) => {
      if (addedTokenId !== undefined) ids.push(addedTokenId);
      else if (this.addsPrefixSpace && text.charCodeAt(start) !== 0x20) this.encodeOrdinary(` ${text.slice(start, end)}`, 0, end - start + 1, ids);
      else this.encodeOrdinary(text, start, end, ids);
    });
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let byteLength = 0;
    for (let i = 0; i < ids.length; i++) byteLength += this.bytesOf(ids[i] as number).length;
    const bytes = new Uint8Array(byteLength);
    let offset = 0;
    for (let i = 0; i < ids.length; i++) {
      const tokenBytes = this.bytesOf(ids[i] as number);
      bytes.set(tokenBytes, offset);
      offset += tokenBytes.length;
    }
    return utf8Decoder.decode(bytes);
  }

  idOf(token: string): number | undefined {
    return this.definition.vocab.get(token) ?? this.addedTokens.find((added) => added.content === token)?.id;
  }

  tokenOf(id: number): string | undefined {
    return this.tokens[id];
  }

  toHuggingFaceJson(): HuggingFaceTokenizerJson {
    return byteLevelBpeToJson(this.definition);
  }

  private mergeIds([left, right]: readonly [string, string], rank: number): [number, number, number] {
    const { vocab } = this.definition;
    const leftId = vocab.get(left);
    const rightId = vocab.get(right);
    const mergedId = vocab.get(left + right);
    if (leftId === undefined || rightId === undefined || mergedId === undefined) {
      const missing = [left, right, left + right].filter((token) => !vocab.has(token));
      throw new Error(`merges[${rank}] (${describeAsTokens([left, right])}): ${describeAsTokens(missing)} not in the vocabulary; every merge needs both parts and their concatenation in model.vocab`);
    }
    return [leftId, rightId, mergedId];
  }

  bytesOf(id: number): Uint8Array {
    const bytes = this.tokenBytes[id];
    if (bytes === undefined) throw new Error(`decode: id ${id} is not in the vocabulary (ids run from 0 to ${this.vocabSize - 1})`);
    return bytes;
  }

  private encodeOrdinary(text: string, start: number, end: number, ids: number[]): void {
    const { digits } = this.definition;
    if (digits === undefined) {
      this.encodeGpt2Pieces(text, start, end, ids);
      return;
    }
    // Digits (HF `char::is_numeric`, i.e. \p{N}) are isolated first; GPT-2's pattern runs on the text between them.
    let spanStart = start;
    for (let index = start; index < end; ) {
      const codePoint = text.codePointAt(index) as number;
      const width = codePoint > 0xffff && index + 1 < end ? 2 : 1;
      if (classOfCodePoint(codePoint) !== CharClass.number) {
        index += width;
        continue;
      }
      this.encodeGpt2Pieces(text, spanStart, index, ids);
      let digitsEnd = index + width;
      if (digits === 'runs') {
        while (digitsEnd < end) {
          const next = text.codePointAt(digitsEnd) as number;
          if (classOfCodePoint(next) !== CharClass.number) break;
          digitsEnd += next > 0xffff && digitsEnd + 1 < end ? 2 : 1;
        }
      }
      this.encodeGpt2Pieces(text, index, digitsEnd, ids);
      spanStart = index = digitsEnd;
    }
    this.encodeGpt2Pieces(text, spanStart, end, ids);
  }

  private encodeGpt2Pieces(text: string, start: number, end: number, ids: number[]): void {
    for (let pieceStart = start; pieceStart < end; ) {
      const pieceEnd = gpt2PieceEnd(text, pieceStart, end);
      const piece = text.slice(pieceStart, pieceEnd);
      const pieceIds = this.pieceCache.get(piece) ?? this.encodePiece(piece);
      for (let i = 0; i < pieceIds.length; i++) ids.push(pieceIds[i] as number);
      pieceStart = pieceEnd;
    }
  }

  private encodePiece(piece: string): number[] {
    const symbols = this.baseSymbolsOf(piece);
    const wholeId = this.definition.ignoreMerges ? this.definition.vocab.get(symbols.map((id) => this.tokens[id]).join('')) : undefined;
    const pieceIds = wholeId === undefined ? mergeWord(symbols, this.mergeTable) : [wholeId];
    if (piece.length <= MAX_CACHED_PIECE_LENGTH) {
      if (this.pieceCache.size >= MAX_CACHED_PIECES) this.pieceCache.clear();
      this.pieceCache.set(piece, pieceIds);
    }
    return pieceIds;
  }

  /** Base token ids of the piece's UTF-8 bytes; lone surrogates become U+FFFD's bytes, as TextEncoder writes them. */
  private baseSymbolsOf(piece: string): number[] {
    const symbols: number[] = [];
    let isAscii = true;
    for (let i = 0; i < piece.length && isAscii; i++) {
      const code = piece.charCodeAt(i);
      if (code < 0x80) symbols.push(this.baseIdOfByte(code));
      else isAscii = false;
    }
    if (isAscii) return symbols;
    if (this.utf8Scratch.length < piece.length * 3) this.utf8Scratch = new Uint8Array(piece.length * 3);
    const { written } = utf8Encoder.encodeInto(piece, this.utf8Scratch);
    symbols.length = 0;
    for (let i = 0; i < written; i++) symbols.push(this.baseIdOfByte(this.utf8Scratch[i] as number));
    return symbols;
  }

  private baseIdOfByte(byte: number): number {
    const id = this.byteToBaseId[byte] as number;
    if (id < 0) throw new Error(`encode: byte 0x${byte.toString(16).padStart(2, '0')} has no base token ("${BYTE_TO_CHAR[byte]}") in the vocabulary; a byte-level vocabulary needs all 256`);
    return id;
  }
}
