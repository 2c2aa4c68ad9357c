// `npm run bench:fleet`: the api-endpoint as a gateway over three `crucible serve` processes on loopback (nano GPT-2
// shape 4/4/128, random weights, char tokenizer of tinyshakespeare), all serving one model name: one pool.
//
// 1. Kill one mid-run: 16 closed-loop streams for --seconds; at a third of the run one upstream is killed (SIGKILL),
//    as soon as the gateway has marked it down it is started again on its port, and the load goes on until it has
//    served for a few seconds again (or a minute passed). Reported: requests that had not started on it (all should
//    succeed), requests in flight on it when it died (each should end with an error record), how long until the
//    gateway marked it down, and how long after its restart it was serving again.
// 2. A slow member: the same streams through a gateway over two upstreams, then over those two plus a member whose
//    every answer starts --slow-ms late (a proxy that sleeps in front of the third upstream). Reported: TTFT p50/p99
//    of the requests the two normal members served, in both runs, and how many requests the slow member got.
// 3. The autoscaling section (bench/fleet-autoscale.ts, when present).
//
// Flags: --seconds N (section 1, default 30), --slow-seconds N (each run of section 2, default 15), --streams N
// (default 16), --max-tokens N (default 64), --slow-ms N (default 2000), --threads N (ORT threads per upstream,
// default 1), --skip-autoscale. The gateway and the clients share this process; each upstream is its own process.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createOpenAiServer, type OpenAiServer } from '../engine/endpoint/openai-server.ts';
import { freePort } from '../engine/free-port.ts';
import { NANO_SHAPE, writeCharModel } from './char-model.ts';
import { closedLoop, forMs, type FleetRequest } from './fleet-client.ts';
import { startServe, startSlowProxy, type ServeProcess } from './fleet-upstreams.ts';
import { percentile } from './serve-load.ts';

const MODEL = 'fleet-nano';
const PROMPT = 'ROMEO:\nBut soft, what light';
/** How often the bench looks at a member's health. */
const POLL_MS = 20;
const ROUTING = { healthCheckIntervalMs: 1_000, cooldownMs: 1_000, maxRetries: 2 };
/** After the restarted member is back, the load runs this much longer so it takes requests again. */
const AFTER_RETURN_MS = 5_000;
/** Longest the kill section waits for the member to go down, or to come back. */
const WAIT_LIMIT_MS = 60_000;

function parseFlags() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      'slow-seconds': { type: 'string' },
      streams: { type: 'string' },
      'max-tokens': { type: 'string' },
      'slow-ms': { type: 'string' },
      threads: { type: 'string' },
      'skip-autoscale': { type: 'boolean' },
    },
  });
  return {
    seconds: Number(values.seconds ?? 30),
    slowSeconds: Number(values['slow-seconds'] ?? 15),
    streams: Number(values.streams ?? 16),
    maxTokens: Number(values['max-tokens'] ?? 64),
    slowMs: Number(values['slow-ms'] ?? 2_000),
    threads: Number(values.threads ?? 1),
    skipAutoscale: values['skip-autoscale'] === true,
  };
}

type Flags = ReturnType<typeof parseFlags>;

async function startGateway(urls: Array<{ url: string; name: string }>): Promise<{ server: OpenAiServer; url: string }> {
  const server = createOpenAiServer({
    config: { port: 0, auth: 'none', upstreams: urls.map(({ url, name }) => ({ url, name, models: [{ name: MODEL }] })), routing: ROUTING },
    deployments: [],
    store: null,
    onWarning: () => undefined,
    log: (line) => console.error(`  [${(performance.now() / 1000).toFixed(1)} s] ${line}`),
  });
  const { url } = await server.listen();
  return { server, url };
}

function memberHealth(server: OpenAiServer, name: string): string {
  return server.gateway!.members.find((member) => member.name === name)!.health;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return performance.now() - started;
}

function countBy(requests: FleetRequest[], key: (request: FleetRequest) => string): string {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(key(request), (counts.get(key(request)) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${name} ${count}`).join(', ') || 'none';
}

const outcomeOf = (request: FleetRequest) => (request.outcome === 'ok' ? 'ok' : `${request.outcome}:${request.errorCode ?? request.status}`);

async function killOneMidRun(upstreams: ServeProcess[], restart: () => Promise<ServeProcess>, body: Record<string, unknown>, flags: Flags): Promise<void> {
  const names = upstreams.map((_, index) => `upstream-${index + 1}`);
  const { server, url } = await startGateway(upstreams.map((upstream, index) => ({ url: upstream.url, name: names[index]! })));
  const victim = names[1]!;
  const durationMs = flags.seconds * 1000;
  const startedMs = performance.now();
  let stopAtMs = Infinity;
  const results: FleetRequest[] = [];
  const load = closedLoop(url, flags.streams, () => performance.now() < stopAtMs, body, results);
  await new Promise((resolve) => setTimeout(resolve, durationMs / 3));
  const killedAtMs = performance.now();
  upstreams[1]!.kill();
  const downAfterMs = await until(() => memberHealth(server, victim) === 'down', WAIT_LIMIT_MS);
  const restarted = await restart();
  const upAfterReadyMs = await until(() => memberHealth(server, victim) === 'up', WAIT_LIMIT_MS);
  const upAtMs = upAfterReadyMs === null ? Infinity : restarted.readyAtMs + upAfterReadyMs;
  stopAtMs = Math.max(startedMs + durationMs, performance.now() + AFTER_RETURN_MS);
  await load;
  const restartMs = restarted.readyAtMs - killedAtMs;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  await server.close();

  const inFlightOnVictim = results.filter((r) => r.member === victim && r.startedMs < killedAtMs && r.endedMs >= killedAtMs);
  const others = results.filter((r) => !inFlightOnVictim.includes(r));
  const servedByVictimAfterRestart = results.filter((r) => r.member === victim && r.startedMs >= upAtMs - POLL_MS && r.outcome === 'ok').length;
  const connectErrors = /crucible_upstream_errors_total\{member="upstream-2",kind="connect"\} (\d+)/.exec(metrics)?.[1] ?? '0';
  const totalS = (performance.now() - startedMs) / 1000;
  console.log(`\n## 1. One of three upstreams killed mid-run (${flags.streams} streams, ${totalS.toFixed(0)} s, max_tokens ${flags.maxTokens})\n`);
  console.log('| requests | count | outcomes |');
  console.log('|---|---:|---|');
  console.log(`| not started on the killed member | ${others.length} | ${countBy(others, outcomeOf)} |`);
  console.log(`| in flight on it when it was killed | ${inFlightOnVictim.length} | ${countBy(inFlightOnVictim, outcomeOf)} |`);
  console.log(`| served by it after its restart | ${servedByVictimAfterRestart} | ok |`);
  console.log(`\nMarked down ${downAfterMs === null ? 'not within a minute' : `${downAfterMs.toFixed(0)} ms`} after the kill; restarted (process ready) ${(restartMs / 1000).toFixed(1)} s after the kill; serving again ${upAfterReadyMs === null ? 'not within a minute' : `${upAfterReadyMs.toFixed(0)} ms`} after that (health checks every ${ROUTING.healthCheckIntervalMs} ms, cooldown from ${ROUTING.cooldownMs} ms).`);
  console.log(`Requests routed to it after it died that failed over before their first byte (connect errors): ${connectErrors}.`);
  console.log(`Requests per member: ${countBy(results, (r) => r.member ?? 'none')}.`);
  const sample = inFlightOnVictim.find((r) => r.errorMessage);
  if (sample) console.log(`An in-flight request's error: ${sample.errorCode}: ${sample.errorMessage}`);
}

async function slowMember(upstreams: ServeProcess[], body: Record<string, unknown>, flags: Flags): Promise<void> {
  const durationMs = flags.slowSeconds * 1000;
  const fast = [
    { url: upstreams[0]!.url, name: 'fast-1' },
    { url: upstreams[1]!.url, name: 'fast-2' },
  ];
  const rows: string[] = [];
  const row = (label: string, results: FleetRequest[]) => {
    const served = results.filter((r) => r.member?.startsWith('fast') && r.outcome === 'ok');
    const ttfts = served.map((r) => r.ttftMs).filter((ttft) => !Number.isNaN(ttft));
    const slow = results.filter((r) => r.member === 'slow');
    const failed = results.filter((r) => r.outcome !== 'ok').length;
    rows.push(`| ${label} | ${served.length} | ${percentile(ttfts, 0.5).toFixed(0)} | ${percentile(ttfts, 0.99).toFixed(0)} | ${slow.length} | ${failed} |`);
  };
  const baseline = await startGateway(fast);
  row('two members', await closedLoop(baseline.url, flags.streams, forMs(durationMs), body));
  await baseline.server.close();
  const proxy = await startSlowProxy(upstreams[2]!.url, flags.slowMs);
  const withSlow = await startGateway([...fast, { url: proxy.url, name: 'slow' }]);
  row(`two members + one ${flags.slowMs} ms late`, await closedLoop(withSlow.url, flags.streams, forMs(durationMs), body));
  await withSlow.server.close();
  await proxy.close();
  console.log(`\n## 2. A slow member beside fast ones (${flags.streams} streams, ${flags.slowSeconds} s each)\n`);
  console.log('| gateway over | requests on the fast members | their TTFT p50 ms | TTFT p99 ms | requests on the slow member | failed |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const line of rows) console.log(line);
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-bench-fleet-'));
  const loadBefore = os.loadavg();
  const upstreams: ServeProcess[] = [];
  try {
    const { folder, eosId } = writeCharModel(path.join(root, MODEL), { shape: NANO_SHAPE, bench: 'fleet' });
    const body = { model: MODEL, prompt: PROMPT, max_tokens: flags.maxTokens, temperature: 0.8, logit_bias: { [eosId]: -100 } };
    const ports = [await freePort(), await freePort(), await freePort()];
    const serve = (index: number) => startServe({ modelDir: folder, name: MODEL, port: ports[index]!, dataDir: path.join(root, `data-${index}`), threads: flags.threads });
    upstreams.push(...(await Promise.all(ports.map((_, index) => serve(index)))));
    console.log(`# bench:fleet — ${os.cpus().length} CPUs, load average ${loadBefore.map((load) => load.toFixed(2)).join(' ')} at start`);
    await killOneMidRun(upstreams, async () => (upstreams[1] = await serve(1)), body, flags);
    await slowMember(upstreams, body, flags);
  } finally {
    await Promise.all(upstreams.map((upstream) => upstream.stop()));
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`\nLoad average at the end: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  const autoscale = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fleet-autoscale.ts');
  if (!flags.skipAutoscale && existsSync(autoscale)) {
    const section = (await import(pathToFileURL(autoscale).href)) as typeof import('./fleet-autoscale.ts');
    console.log('\n## 3. Autoscaling (bench/fleet-autoscale.ts)');
    section.printFleetAutoscale(await section.runFleetAutoscale(section.flagsFromArgs([])));
  }
}

await main();
