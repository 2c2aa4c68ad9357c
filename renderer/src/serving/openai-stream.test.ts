// Parsing the endpoint's streamed generations: chat deltas and completion text in order across chunk boundaries,
// the finish reason and the usage chunk, and error records or a cut-off stream as errors with the endpoint's words.
import { describe, expect, it } from 'vitest';
import { EndpointError } from './endpoint-error.ts';
import { parseStreamData, readGenerationStream } from './openai-stream.ts';
import { chatChunk, completionChunk, DONE, sseBody, usageChunk } from './testing/sse-fixtures.ts';

describe('parseStreamData', () => {
  it('reads chat deltas, completion text, the end marker and error records', () => {
    expect(parseStreamData(chatChunk('Hi').slice(6, -2), 'chat')).toEqual({ type: 'chunk', text: 'Hi', finishReason: null, usage: null });
    expect(parseStreamData(completionChunk(' there', 'length').slice(6, -2), 'completion')).toEqual({ type: 'chunk', text: ' there', finishReason: 'length', usage: null });
    expect(parseStreamData('[DONE]', 'chat')).toEqual({ type: 'done' });
    expect(parseStreamData('{"error":{"message":"server closing","code":"server_closing"}}', 'chat')).toEqual({ type: 'error', message: 'server closing', code: 'server_closing' });
  });

  it('takes the role-only first delta as no text, and a usage chunk without choices as usage', () => {
    expect(parseStreamData('{"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}', 'chat')).toMatchObject({ text: '', usage: null });
    expect(parseStreamData(usageChunk(7, 3).slice(6, -2), 'chat')).toEqual({ type: 'chunk', text: '', finishReason: null, usage: { promptTokens: 7, completionTokens: 3 } });
  });

  it('turns a message that is not JSON into an error naming it', () => {
    const piece = parseStreamData('{oops', 'chat');
    expect(piece).toMatchObject({ type: 'error' });
    expect((piece as { message: string }).message).toContain('{oops');
  });
});

describe('readGenerationStream', () => {
  it('hands out text as it arrives, across chunk boundaries, and ends at [DONE] with finish reason and usage', async () => {
    const wire = [chatChunk('To'), chatChunk(' be'), chatChunk('', 'stop'), usageChunk(12, 2), DONE].join('');
    // Split the wire at awkward places: inside a JSON object and between the two newlines of a message end.
    const chunks = [wire.slice(0, 17), wire.slice(17, wire.indexOf('\n\n') + 1), wire.slice(wire.indexOf('\n\n') + 1)];
    const seen: string[] = [];
    const outcome = await readGenerationStream(sseBody(chunks), 'chat', (text) => seen.push(text));
    expect(seen).toEqual(['To', ' be']);
    expect(outcome).toEqual({ text: 'To be', finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 2 } });
  });

  it('reads text completions and skips ping comments', async () => {
    const outcome = await readGenerationStream(sseBody([': ping\n\n', completionChunk('abc'), completionChunk('d', 'length'), DONE]), 'completion', () => undefined);
    expect(outcome).toMatchObject({ text: 'abcd', finishReason: 'length' });
  });

  it('throws the endpoint’s message for an error record, keeping the text already shown', async () => {
    const seen: string[] = [];
    const reading = readGenerationStream(sseBody([chatChunk('par'), 'data: {"error":{"message":"the server is closing","code":"server_closing"}}\n\n']), 'chat', (text) => seen.push(text));
    await expect(reading).rejects.toThrow(new EndpointError('the server is closing', 0, 'server_closing'));
    await expect(reading).rejects.toMatchObject({ code: 'server_closing' });
    expect(seen).toEqual(['par']);
  });

  it('throws when the stream ends before [DONE]', async () => {
    await expect(readGenerationStream(sseBody([chatChunk('cut')]), 'chat', () => undefined)).rejects.toThrow(/before \[DONE\]/);
  });
});
