// Reads an OpenAI-style streamed generation (chat or text completion) from an endpoint's SSE body: the text of
// each chunk as it arrives, then how it finished and the token usage. Error records and cut-off streams throw.
import { SseParser } from '../api/sse-parser.ts';
import { EndpointError } from './endpoint-error.ts';

export type GenerationKind = 'chat' | 'completion';

export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface StreamOutcome {
  text: string;
  /** "stop", "length", … ; null when the stream ended without saying. */
  finishReason: string | null;
  /** Present when the request asked for `stream_options.include_usage`. */
  usage: StreamUsage | null;
}

export type StreamPiece =
  | { type: 'chunk'; text: string; finishReason: string | null; usage: StreamUsage | null }
  | { type: 'done' }
  | { type: 'error'; message: string; code: string | null };

interface WireChunk {
  choices?: { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: { message?: unknown; code?: unknown };
}

const numberOr0 = (value: unknown) => (typeof value === 'number' ? value : 0);

/** One SSE message's data, as a chunk of text (chat: `delta.content`, completion: `text`), the end, or an error. */
export function parseStreamData(data: string, kind: GenerationKind): StreamPiece {
  if (data.trim() === '[DONE]') return { type: 'done' };
  let chunk: WireChunk;
  try {
    chunk = JSON.parse(data) as WireChunk;
  } catch {
    return { type: 'error', message: `the endpoint sent a stream message that is not JSON: ${data.slice(0, 120)}`, code: null };
  }
  if (chunk.error) {
    const message = typeof chunk.error.message === 'string' ? chunk.error.message : 'the endpoint reported an error mid-stream';
    return { type: 'error', message, code: typeof chunk.error.code === 'string' ? chunk.error.code : null };
  }
  const choice = chunk.choices?.[0];
  const piece = kind === 'chat' ? choice?.delta?.content : choice?.text;
  const usage = chunk.usage ? { promptTokens: numberOr0(chunk.usage.prompt_tokens), completionTokens: numberOr0(chunk.usage.completion_tokens) } : null;
  return {
    type: 'chunk',
    text: typeof piece === 'string' ? piece : '',
    finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    usage,
  };
}

/** Reads the body to its `[DONE]`, calling `onText` with each piece of text as it arrives. */
export async function readGenerationStream(body: ReadableStream<Uint8Array>, kind: GenerationKind, onText: (text: string) => void): Promise<StreamOutcome> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const outcome: StreamOutcome = { text: '', finishReason: null, usage: null };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new EndpointError('the stream ended before [DONE]: the endpoint stopped or the connection dropped', 0, 'stream_cut');
      for (const data of parser.push(decoder.decode(value, { stream: true }))) {
        const piece = parseStreamData(data, kind);
        if (piece.type === 'done') return outcome;
        if (piece.type === 'error') throw new EndpointError(piece.message, 0, piece.code);
        if (piece.text) {
          outcome.text += piece.text;
          onText(piece.text);
        }
        outcome.finishReason = piece.finishReason ?? outcome.finishReason;
        outcome.usage = piece.usage ?? outcome.usage;
      }
    }
  } finally {
    // Frees the connection whether the stream ended, failed or its reader stopped early.
    await reader.cancel().catch(() => undefined);
  }
}
