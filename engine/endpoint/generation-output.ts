// Collects what a generator yields into what the client sees: text with stop strings applied, the tokens behind
// it (for logprobs and usage), and the finish reason. Streaming reads each step's delta; the rest reads the total.
import { StopSequenceWatcher } from './stop-sequences.ts';
import type { LogprobToken } from '../inference/logprob-token.ts';
import type { FinishReason, GenerationEvent, TokenAlternative } from '../inference/text-generator.ts';

export interface OutputToken {
  tokenId: number;
  text: string;
  /** Where the token's text starts in the completion. */
  textOffset: number;
  logprob?: number;
  topLogprobs?: TokenAlternative[];
  /** The token on its own as logprobs show it (else `text`). */
  asLogprob?: LogprobToken;
}

export interface OutputDelta {
  text: string;
  /** Tokens whose text began in the text released so far and were not in an earlier delta. */
  tokens: OutputToken[];
}

export class GenerationOutput {
  readonly #watcher: StopSequenceWatcher;
  readonly #tokens: OutputToken[] = [];
  #generatedChars = 0;
  #text = '';
  #tokensReleased = 0;
  #finishReason: FinishReason | null = null;

  constructor(stop: readonly string[]) {
    this.#watcher = new StopSequenceWatcher(stop);
  }

  /** Tokens the model produced, stop string included: what usage counts. */
  get completionTokens(): number {
    return this.#tokens.length;
  }

  get text(): string {
    return this.#text;
  }

  get finishReason(): FinishReason | null {
    return this.#finishReason;
  }

  /** Tokens whose text starts inside the returned completion. */
  get visibleTokens(): OutputToken[] {
    return this.#tokens.filter((token) => token.textOffset < this.#text.length);
  }

  /** Takes one event; returns what became visible. After a stop string matched, the caller should abort. */
  accept(event: GenerationEvent): OutputDelta {
    if (this.#finishReason) return { text: '', tokens: [] };
    if (event.type === 'finish') {
      // The text the generator held back (an unfinished character) still goes through the stop strings.
      const held = event.text ?? '';
      this.#generatedChars += held.length;
      const check = this.#watcher.push(held);
      if (check.stopped) return this.#finish('stop', check.released);
      return this.#finish(event.reason, check.released + this.#watcher.flush());
    }
    const { type: _type, ...token } = event;
    this.#tokens.push({ ...token, textOffset: this.#generatedChars });
    this.#generatedChars += token.text.length;
    const check = this.#watcher.push(token.text);
    if (check.stopped) return this.#finish('stop', check.released);
    return this.#release(check.released);
  }

  #finish(reason: FinishReason, lastText: string): OutputDelta {
    const delta = this.#release(lastText);
    this.#finishReason = reason;
    return delta;
  }

  #release(text: string): OutputDelta {
    this.#text += text;
    const end = this.#text.length;
    let next = this.#tokensReleased;
    while (next < this.#tokens.length && this.#tokens[next]!.textOffset < end) next++;
    const tokens = this.#tokens.slice(this.#tokensReleased, next);
    this.#tokensReleased = next;
    return { text, tokens };
  }
}
