// The real engine server in its own process: guarded by token, Host and Origin; runs a pipeline of fixture nodes
// through the API with live events; keeps its history across a restart and after a crash.
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePipeline } from '../engine/executor/testing/fixture-nodes.ts';
import { readSse, startEngineProcess, type EngineProcess } from './engine-process.ts';

const SCRIPT = 'test/fixtures/fixture-engine.ts';
let engine: EngineProcess | undefined;
afterEach(async () => engine?.stop('SIGKILL'));

const pipeline = fixturePipeline(
  [
    { id: 'a', type: 'source', config: { text: 'hello' } },
    { id: 'b', type: 'upper', config: { suffix: '!' } },
  ],
  ['a.text->b.text'],
);

describe('engine server', () => {
  it('refuses requests without the token, with a foreign Origin or a foreign Host', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-int-'));
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-1');
    const bare = await fetch(`${engine.url}/api/node-types`);
    expect(bare.status).toBe(401);
    expect((await bare.json()).error.code).toBe('missing_token');
    expect((await engine.api('/api/node-types', { headers: { 'x-crucible-token': 'wrong-token-12' } })).status).toBe(401);
    const foreign = await engine.api('/api/node-types', { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('forbidden_origin');
    expect(await statusWithHost(engine, 'evil.example:80')).toBe(403); // DNS rebinding
    expect(await statusWithHost(engine, new URL(engine.url).host)).toBe(200);
    const ok = await engine.api('/api/node-types', { headers: { origin: engine.url } });
    expect(ok.status).toBe(200);
    expect((await ok.json()).map((t: { type: string }) => t.type)).toContain('upper');
  });

  it('runs a pipeline through the API with live events, and keeps the history across restarts', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-int-'));
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-2');

    const stream = await engine.api('/api/events');
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const started = await engine.api('/api/runs', { method: 'POST', body: JSON.stringify({ pipeline }) });
    expect(started.status).toBe(202);
    const { runId } = await started.json();
    const messages = await readSse(stream, (m) => m.type === 'run.finished' && m.runId === runId);
    expect(messages[0].type).toBe('snapshot');
    const states = messages.filter((m) => m.type === 'node.state').map((m) => `${m.node}:${m.state}`);
    expect(states).toEqual(['a:pending', 'b:pending', 'a:running', 'a:succeeded', 'b:running', 'b:succeeded']);
    expect(messages.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });

    // A client that connects to a finished run gets its state at once.
    const late = await readSse(await engine.api(`/api/runs/${runId}/events`), () => false, 5000);
    expect(late).toEqual([{ type: 'snapshot', run: expect.objectContaining({ runId, status: 'succeeded' }) }]);
    expect(late[0].run.nodes.b).toMatchObject({ state: 'succeeded', artifact: expect.any(String) });

    // The second run is served from the cache, and says why.
    const second = await (await engine.api('/api/runs', { method: 'POST', body: JSON.stringify({ pipeline }) })).json();
    const detail = await waitForRun(engine, second.runId);
    expect(detail.nodes.a).toMatchObject({ state: 'cached', reason: 'config and inputs unchanged' });

    await engine.stop('SIGTERM');
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-3');
    const runs = await (await engine.api('/api/runs')).json();
    expect(runs.map((r: { id: string }) => r.id)).toEqual([second.runId, runId]);
    expect(runs.every((r: { status: string }) => r.status === 'succeeded')).toBe(true);
  });

  it('marks a run in flight when the engine was killed as interrupted', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-int-'));
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-4');
    const slow = fixturePipeline([{ id: 's', type: 'slow', config: { durationMs: 20_000 } }]);
    const { runId } = await (await engine.api('/api/runs', { method: 'POST', body: JSON.stringify({ pipeline: slow }) })).json();
    await readSse(await engine.api(`/api/runs/${runId}/events`), (m) => m.type === 'node.progress');
    await engine.stop('SIGKILL');
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-5');
    const detail = await (await engine.api(`/api/runs/${runId}`)).json();
    expect(detail.run.status).toBe('interrupted');
    expect(detail.nodes.s).toMatchObject({ state: 'cancelled', reason: 'engine stopped' });
  });

  it('cancels a run by id', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-int-'));
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-6');
    const slow = fixturePipeline([{ id: 's', type: 'slow', config: { durationMs: 20_000 } }]);
    const { runId } = await (await engine.api('/api/runs', { method: 'POST', body: JSON.stringify({ pipeline: slow }) })).json();
    // Subscribed once its headers are here: a stream opened after the run ended would get only the final snapshot.
    const events = await engine.api(`/api/runs/${runId}/events`);
    const cancel = await engine.api(`/api/runs/${runId}/cancel`, { method: 'POST', body: '{}' });
    expect(cancel.status).toBe(202);
    const messages = await readSse(events, (m) => m.type === 'run.finished');
    expect(messages.at(-1)).toMatchObject({ type: 'run.finished', status: 'cancelled' });
    expect((await engine.api(`/api/runs/${runId}/cancel`, { method: 'POST', body: '{}' })).status).toBe(409);
  });

  it('answers bad requests with JSON errors', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-int-'));
    engine = await startEngineProcess(SCRIPT, ['--data-dir', dataDir], 'secret-token-7');
    const cases: [string, RequestInit, number, string][] = [
      ['/api/runs', { method: 'POST', body: '{not json' }, 400, 'invalid_request'],
      ['/api/runs', { method: 'POST', body: JSON.stringify({ pipeline: { format: 'crucible.pipeline', version: 1 } }) }, 422, 'pipeline_invalid'],
      ['/api/runs', { method: 'POST', body: JSON.stringify({ pipeline, targets: ['nope'] }) }, 400, 'invalid_run_request'],
      ['/api/runs', { method: 'POST', body: JSON.stringify({ pipeline, extra: 1 }) }, 400, 'invalid_request'],
      ['/api/runs/nope', {}, 404, 'run_not_found'],
      ['/api/nothing', {}, 404, 'not_found'],
      ['/api/runs?limit=-4', {}, 400, 'invalid_request'],
    ];
    for (const [route, init, status, code] of cases) {
      const response = await engine.api(route, init);
      expect([route, response.status]).toEqual([route, status]);
      expect((await response.json()).error.code).toBe(code);
    }
    expect(await oversizedBodyStatus(engine, 9 * 1024 * 1024)).toEqual({ status: 413, code: 'body_too_large' });
    expect((await engine.api('/api/health')).status).toBe(200);
  });
});

/**
 * Announces a body over the limit and waits for the answer before sending it: the engine refuses on the header
 * alone, and a client still uploading would otherwise race the closed connection (EPIPE).
 */
function oversizedBodyStatus(engine: EngineProcess, bytes: number): Promise<{ status: number; code: string }> {
  const url = new URL(`${engine.url}/api/runs`);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host: url.host, 'x-crucible-token': engine.token, 'content-type': 'application/json', 'content-length': bytes } },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode!, code: JSON.parse(body).error.code });
        });
      },
    );
    request.on('error', reject);
    request.flushHeaders();
  });
}

/** fetch() will not send a custom Host header, so this uses node:http. */
function statusWithHost(engine: EngineProcess, host: string): Promise<number> {
  const url = new URL(`${engine.url}/api/node-types`);
  return new Promise((resolve, reject) => {
    const request = http.get({ hostname: url.hostname, port: url.port, path: url.pathname, headers: { host, 'x-crucible-token': engine.token } }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    request.on('error', reject);
  });
}

async function waitForRun(engine: EngineProcess, runId: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const detail = await (await engine.api(`/api/runs/${runId}`)).json();
    if (detail.run?.status !== 'running') return detail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}
