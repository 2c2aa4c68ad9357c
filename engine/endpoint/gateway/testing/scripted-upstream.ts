// Test support: a small real OpenAI-shaped server on 127.0.0.1 (node:http, real sockets, real SSE) whose behaviour a
// test sets: slow first bytes, failing statuses with retry-after, a stream that dies after N chunks, no usage. It
// counts what it received and which requests the gateway cancelled.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedBehaviour {
  /** Words streamed (one chunk each) or joined into the whole response. */
  words: string[];
  /** Wait before the response's first byte. */
  firstByteDelayMs: number;
  /** Wait between stream chunks. */
  chunkDelayMs: number;
  /** Answer with this status and an OpenAI error body instead of generating. */
  failStatus: number | null;
  /** Sent as retry-after (seconds) with failStatus. */
  retryAfterS: number | null;
  /** The error body's code with failStatus (OpenAI sends null on most 400s). */
  failCode: string | null;
  /** Cut the connection after this many content chunks (no [DONE]). */
  dieAfterChunks: number | null;
  /** After this many content chunks, send an OpenAI error record with this code and end (as an engine closing does). */
  errorRecordAfterChunks: { chunks: number; code: string } | null;
  /** Report usage (the stream's usage chunk when asked, the whole response's field). */
  reportUsage: boolean;
  /** /health status. */
  healthStatus: number;
}

export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface ScriptedUpstream {
  url: string;
  /** Base URL with /v1. */
  baseURL: string;
  port: number;
  behaviour: ScriptedBehaviour;
  received: ReceivedRequest[];
  /** Requests whose client (the gateway) closed the connection before the response ended. */
  cancelled: number;
  /** Requests being answered right now. */
  active: number;
  healthChecks: number;
  close(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: ScriptedBehaviour = {
  words: ['Hello', ' from', ' the', ' scripted', ' upstream'],
  firstByteDelayMs: 0,
  chunkDelayMs: 0,
  failStatus: null,
  retryAfterS: null,
  failCode: 'scripted',
  dieAfterChunks: null,
  errorRecordAfterChunks: null,
  reportUsage: true,
  healthStatus: 200,
};

/** Prompt tokens it reports: fixed, so tests can tell reported counts from the gateway's estimates. */
export const SCRIPTED_PROMPT_TOKENS = 11;

export async function startScriptedUpstream(options: { model?: string; port?: number; behaviour?: Partial<ScriptedBehaviour> } = {}): Promise<ScriptedUpstream> {
  const model = options.model ?? 'remote-model';
  const state: ScriptedUpstream = {
    url: '',
    baseURL: '',
    port: 0,
    behaviour: { ...DEFAULT_BEHAVIOUR, ...options.behaviour },
    received: [],
    cancelled: 0,
    active: 0,
    healthChecks: 0,
    close: async () => undefined,
  };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((request, response) => {
    void answer(request, response, state, model);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
  return state;
}

async function answer(request: http.IncomingMessage, response: http.ServerResponse, state: ScriptedUpstream, model: string): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]!;
  if (request.method === 'GET' && path === '/health') {
    state.healthChecks++;
    response.writeHead(state.behaviour.healthStatus, { 'content-type': 'application/json' }).end('{}');
    return;
  }
  if (request.method === 'GET' && path === '/v1/models') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model' }] }));
    return;
  }
  if (request.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/completions')) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  state.received.push({ path, body, authorization: request.headers.authorization });
  state.active++;
  let finished = false;
  response.on('close', () => {
    state.active--;
    if (!finished) state.cancelled++;
  });
  const b = state.behaviour;
  await sleep(b.firstByteDelayMs);
  if (b.failStatus !== null) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (b.retryAfterS !== null) headers['retry-after'] = String(b.retryAfterS);
    finished = true;
    response.writeHead(b.failStatus, headers).end(JSON.stringify({ error: { message: `scripted failure ${b.failStatus}`, type: 'server_error', param: null, code: b.failCode } }));
    return;
  }
  const chat = path === '/v1/chat/completions';
  const usage = { prompt_tokens: SCRIPTED_PROMPT_TOKENS, completion_tokens: b.words.length, total_tokens: SCRIPTED_PROMPT_TOKENS + b.words.length };
  const identity = { id: 'scripted-1', created: 1, model: String(body.model) };
  if (body.stream !== true) {
    const choice = chat ? { index: 0, message: { role: 'assistant', content: b.words.join('') }, finish_reason: 'stop' } : { index: 0, text: b.words.join(''), finish_reason: 'stop' };
    finished = true;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...identity, object: chat ? 'chat.completion' : 'text_completion', choices: [choice], ...(b.reportUsage ? { usage } : {}) }));
    return;
  }
  const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true && b.reportUsage;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const send = (payload: unknown) => response.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  const choiceOf = (text: string, finish: string | null) => (chat ? { index: 0, delta: text ? { content: text } : {}, finish_reason: finish } : { index: 0, text, finish_reason: finish });
  for (const [index, word] of b.words.entries()) {
    if (response.destroyed) return;
    if (b.dieAfterChunks !== null && index >= b.dieAfterChunks) {
      response.socket?.destroy();
      return;
    }
    if (b.errorRecordAfterChunks !== null && index >= b.errorRecordAfterChunks.chunks) {
      send({ error: { message: 'scripted error record', type: 'server_error', param: null, code: b.errorRecordAfterChunks.code } });
      finished = true;
      response.end();
      return;
    }
    send({ ...identity, object, choices: [choiceOf(word, null)], ...(wantsUsage ? { usage: null } : {}) });
    await sleep(b.chunkDelayMs);
  }
  send({ ...identity, object, choices: [choiceOf('', 'stop')], ...(wantsUsage ? { usage: null } : {}) });
  if (wantsUsage) send({ ...identity, object, choices: [], usage });
  send('[DONE]');
  finished = true;
  response.end();
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
