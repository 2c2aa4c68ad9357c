// The choices of a whole (not streamed) text completion: one per prompt, generated one after another inside the
// request's batch slot. With `echo` each choice starts with its prompt; with `echo` and `logprobs` the prompt is
// scored first (TextGenerator.scorePrompt) and its tokens lead the logprobs, the first with null, as OpenAI's legacy
// completions and vLLM answer and as lm-evaluation-harness's `local-completions` reads them
// (`token_logprobs[ctxlen:-1]` after `max_tokens: 1`).
import type { GenerationRequest, PromptScore, TextGenerator } from '../inference/text-generator.ts';
import type { GenerationOutput } from './generation-output.ts';
import { OpenAiError } from './openai-error.ts';
import type { PreparedGeneration } from './prepare-generation.ts';
import type { CompletionChoice, LoggedToken } from './response-shapes.ts';

/** Runs one request's generation with stop strings applied; its finish reason is null when it was abandoned. */
export type RunGeneration = (request: GenerationRequest) => Promise<GenerationOutput>;

/** What the choices cost beyond the generations `run` counts: tokens taken from a prompt score instead. */
export interface ScoredTokenCount {
  completionTokens: number;
}

/** Every prompt's choice, in order; null as soon as one generation was abandoned (the caller answers why). */
export async function completionChoices(prepared: PreparedGeneration, generator: TextGenerator, signal: AbortSignal, run: RunGeneration, counted: ScoredTokenCount): Promise<CompletionChoice[] | null> {
  const choices: CompletionChoice[] = [];
  for (const request of prepared.requests) {
    const scored = prepared.echo && request.logprobs ? await scorePrompt(generator, request, signal) : null;
    if (signal.aborted) return null;
    if (scored !== null && greedyTokenIsScored(request, prepared, scored)) {
      const choice = choiceFromScore(scored);
      if (choice.finishReason === 'length') counted.completionTokens += 1;
      choices.push(choice);
      continue;
    }
    const output = request.maxTokens > 0 ? await run(request) : null;
    if (output !== null && output.finishReason === null) return null;
    choices.push(prepared.echo ? echoedChoice(request, generator, scored, output) : { text: output!.text, finishReason: output!.finishReason!, tokens: request.logprobs ? output!.visibleTokens : null });
  }
  return choices;
}

/** The prompt's score; a failure of the model (not a cancellation) is the 500 that names it, as a failed generation's is. */
async function scorePrompt(generator: TextGenerator, request: GenerationRequest, signal: AbortSignal): Promise<PromptScore> {
  try {
    return await generator.scorePrompt!(request.promptTokens, request.topLogprobs, signal);
  } catch (error) {
    if (signal.aborted || error instanceof OpenAiError) throw error;
    throw new OpenAiError(500, 'generation_failed', `The model \`${generator.modelId}\` failed while scoring the prompt: ${(error as Error).message}. Retry the request; if it keeps failing, check the deployment.`);
  }
}

/**
 * The harness's log-likelihood request (echo, logprobs, max_tokens 1, temperature 0, nothing to bias or stop): its one
 * token is the greedy pick after the prompt, which the prompt's score already holds as its best alternative, so the
 * answer needs no second pass through the model. Penalties, top-k and top-p change nothing for a first greedy token.
 */
function greedyTokenIsScored(request: GenerationRequest, prepared: PreparedGeneration, scored: PromptScore): boolean {
  return request.maxTokens === 1 && request.temperature === 0 && request.logitBias.size === 0 && request.topLogprobs >= 1 && prepared.stop.length === 0 && (scored.endOfText?.topLogprobs.length ?? 0) > 0;
}

/** The echoed prompt and its greedy next token from the score: end-of-text ends it ("stop"), anything else is text. */
function choiceFromScore(scored: PromptScore): CompletionChoice {
  const end = scored.endOfText!;
  const next = end.topLogprobs[0]!;
  const { text: promptText, tokens } = echoedPrompt(scored);
  const stops = next.tokenId === end.tokenId;
  tokens.push({ text: stops ? end.text : next.text, textOffset: promptText.length, logprob: next.logprob, topLogprobs: end.topLogprobs });
  return { text: stops ? promptText : promptText + next.text, finishReason: stops ? 'stop' : 'length', tokens };
}

/** The scored prompt's tokens, each at its offset in the prompt's text. */
function echoedPrompt(scored: PromptScore): { text: string; tokens: LoggedToken[] } {
  const tokens: LoggedToken[] = [];
  let offset = 0;
  for (const token of scored.tokens) {
    tokens.push({ text: token.text, textOffset: offset, logprob: token.logprob, topLogprobs: token.topLogprobs, ...(token.asLogprob ? { asLogprob: token.asLogprob } : {}) });
    offset += token.text.length;
  }
  return { text: scored.tokens.map((token) => token.text).join(''), tokens };
}

/** The prompt's text and tokens, then the completion's (when anything was generated). */
function echoedChoice(request: GenerationRequest, generator: TextGenerator, scored: PromptScore | null, output: GenerationOutput | null): CompletionChoice {
  if (scored === null) return { text: generator.detokenize(request.promptTokens) + (output?.text ?? ''), finishReason: output?.finishReason ?? 'length', tokens: null };
  const { text: promptText, tokens } = echoedPrompt(scored);
  const text = promptText + (output?.text ?? '');
  const finishReason = output?.finishReason ?? 'length';
  for (const token of output?.visibleTokens ?? []) tokens.push({ ...token, textOffset: promptText.length + token.textOffset });
  // A generation that ended on end-of-text at once still lists that token (its text adds nothing), so a reader
  // that drops the last entry as the generated one (max_tokens: 1) drops it and not a prompt token. vLLM lists it too.
  if (output !== null && output.finishReason === 'stop' && output.completionTokens === 0 && scored.endOfText !== null) {
    const end = scored.endOfText;
    tokens.push({ text: end.text, textOffset: text.length, logprob: end.logprob, topLogprobs: end.topLogprobs });
  }
  return { text, finishReason, tokens };
}
