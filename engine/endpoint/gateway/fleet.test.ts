// Three real Crucible OpenAI servers (bigram models, real sockets) behind one gateway under 16 steady streams; one
// dies mid-run (its connections cut, its port closed, as when its process is killed) and comes back on its port.
// Requests that had not started on it succeed, those in flight on it end with an error record, it is marked down
// within seconds and serves again after its restart. bench:fleet does the same with `crucible serve` processes.
import { afterEach, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/serving-harness.ts';
import { startGateway, type TestGateway } from './testing/gateway-harness.ts';

const STREAMS = 16;
const TOKEN_DELAY_MS = 10;

let upstreams: TestServer[] = [];
let gateway: TestGateway | null = null;
/** Ends the test's client streams; afterEach calls it before closing the servers they stream from. */
let stopClients: (() => Promise<unknown>) | null = null;
afterEach(async () => {
  // A failed expectation must not leave the clients streaming into servers the teardown closes (onTestFinished runs after afterEach).
  await stopClients?.();
  stopClients = null;
  await gateway?.close();
  for (const upstream of upstreams) await upstream.close().catch(() => undefined);
  upstreams = [];
  gateway = null;
});

interface Result {
  member: string | null;
  startedMs: number;
  endedMs: number;
  outcome: string;
}

async function streamOnce(baseURL: string, seed: number): Promise<Result> {
  const startedMs = performance.now();
  const body = { model: 'bard-mini', prompt: 'First', max_tokens: 24, seed, stream: true, logit_bias: { '0': -100 } };
  const response = await fetch(`${baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const member = response.headers.get('x-crucible-upstream');
  const text = await response.text();
  const last = text.trim().split('\n\n').at(-1) ?? '';
  const outcome = response.status !== 200 ? `http ${response.status}: ${text.slice(0, 300)}` : last === 'data: [DONE]' ? 'ok' : ((JSON.parse(last.slice(6)) as { error?: { code: string } }).error?.code ?? 'broken');
  return { member, startedMs, endedMs: performance.now(), outcome };
}

/** Cuts every connection and stops listening, without the graceful close's error records: what a killed process does. */
function kill(upstream: TestServer): void {
  const http = upstream.server.app.server;
  http.close();
  http.closeAllConnections();
}

it('keeps serving when one of three upstreams dies mid-run, and takes it back after its restart', async () => {
  for (let i = 0; i < 3; i++) upstreams.push(await startTestServer({ generator: { tokenDelayMs: TOKEN_DELAY_MS }, deployment: { maxBatchSize: 16 }, config: { auth: 'none' } }));
  const names = ['one', 'two', 'three'];
  gateway = await startGateway(upstreams.map((upstream, i) => ({ url: upstream.baseURL, name: names[i]!, models: [{ name: 'bard-mini' }] })), { config: { routing: { healthCheckIntervalMs: 250, cooldownMs: 250 } } });
  const member = (name: string) => gateway!.server.gateway!.members.find((m) => m.name === name)!;
  let running = true;
  const results: Result[] = [];
  const clients = Array.from({ length: STREAMS }, async (_, client) => {
    for (let round = 0; running; round++) results.push(await streamOnce(gateway!.baseURL, client * 1000 + round));
  });
  stopClients = () => {
    running = false;
    return Promise.allSettled(clients);
  };

  await new Promise((resolve) => setTimeout(resolve, 800));
  const victim = upstreams[1]!;
  const port = Number(new URL(victim.url).port);
  const killedAtMs = performance.now();
  kill(victim);
  while (member('two').health !== 'down') {
    expect(performance.now() - killedAtMs).toBeLessThan(3_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  upstreams[1] = await startTestServer({ generator: { tokenDelayMs: TOKEN_DELAY_MS }, deployment: { maxBatchSize: 16 }, config: { auth: 'none', port } });
  const restartedAtMs = performance.now();
  // Each failed probe while it was down doubled its cooldown (up to 10 s), so the next probe may be that far off.
  while (member('two').health !== 'up') {
    expect(performance.now() - restartedAtMs).toBeLessThan(13_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const upAtMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 800));
  running = false;
  await Promise.all(clients);
  await victim.close().catch(() => undefined);

  const inFlightOnVictim = results.filter((r) => r.member === 'two' && r.startedMs < killedAtMs && r.endedMs > killedAtMs);
  const others = results.filter((r) => !inFlightOnVictim.includes(r));
  // Every stream holds a slot on its member for ~240 ms, so 16 steady streams keep some on the victim at the kill.
  expect(inFlightOnVictim.length).toBeGreaterThan(0);
  expect(inFlightOnVictim.every((r) => r.outcome === 'upstream_failed' || r.outcome === 'ok')).toBe(true);
  expect(inFlightOnVictim.some((r) => r.outcome === 'upstream_failed')).toBe(true);
  expect(others.filter((r) => r.outcome !== 'ok')).toEqual([]);
  expect(others.length).toBeGreaterThan(STREAMS);
  expect(results.filter((r) => r.member === 'two' && r.startedMs > upAtMs && r.outcome === 'ok').length).toBeGreaterThan(0);
}, 30_000);
