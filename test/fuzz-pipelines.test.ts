// 1,000 mutated pipeline files through validate() and through the engine server: every one gets clear problems or
// passes, never an exception, a 5xx or a hang.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CODES } from '../app/graph/problems.ts';
import { readPipelineJson, readPipelineText } from '../app/pipeline/document.ts';
import { TOKEN_HEADER } from '../app/protocol/engine-api.ts';
import { builtInRegistry } from '../nodes/specs.ts';
import { Engine } from '../engine/engine.ts';
import { createEngineServer, type EngineServer } from '../engine/api/engine-server.ts';
import { REPO_ROOT } from './engine-process.ts';
import { damageText, mutatePipeline, seededRandom } from './pipeline-mutator.ts';

const FILES = 1000;
const registry = builtInRegistry();
const examples = ['char-shakespeare', 'bpe-distill-int4-api'].map((name) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', `${name}.crucible.json`), 'utf8')));

let engine: Engine;
let server: EngineServer;
beforeAll(async () => {
  // No run modules: a mutated file that happens to be valid starts a run whose nodes fail at once, never train.
  engine = await Engine.open({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'crucible-fuzz-')), registry, runModules: new Map() });
  server = createEngineServer({ engine, token: 'fuzz-token' });
  await server.listen();
});
afterAll(async () => {
  await server.close();
  await engine.close();
});

function expectClearProblems(problems: { code: string; message: string }[]) {
  for (const problem of problems) {
    expect(PROBLEM_CODES).toContain(problem.code);
    expect(problem.message.length).toBeGreaterThan(5);
  }
}

describe('pipeline fuzz', () => {
  it(`validates ${FILES} mutated files without an exception, a 5xx or a hang`, async () => {
    const tally = { valid: 0, withProblems: 0, unreadable: 0, runsStarted: 0, runsRefused: 0 };
    for (let seed = 1; seed <= FILES; seed++) {
      const random = seededRandom(seed);
      const mutated = mutatePipeline(examples[seed % 2], random);
      const started = performance.now();

      const document = seed % 10 === 0 ? readPipelineText(damageText(JSON.stringify(mutated), random), registry) : readPipelineJson(mutated, registry);
      expect(performance.now() - started, `seed ${seed} took too long`).toBeLessThan(2000);
      expectClearProblems(document.problems);
      if (document.pipeline === null) expect(document.problems.length, `seed ${seed}`).toBeGreaterThan(0);
      if (document.unreadable) tally.unreadable++;
      else if (document.problems.length === 0) tally.valid++;
      else tally.withProblems++;

      const payload = JSON.stringify({ pipeline: mutated });
      const validated = await server.app.inject({ method: 'POST', url: '/api/validate', headers: { host: hostHeader(), [TOKEN_HEADER]: 'fuzz-token', 'content-type': 'application/json' }, payload });
      expect(validated.statusCode, `seed ${seed}: ${validated.body.slice(0, 300)}`).toBeLessThan(500);

      if (seed % 5 === 0) {
        const run = await server.app.inject({ method: 'POST', url: '/api/runs', headers: { host: hostHeader(), [TOKEN_HEADER]: 'fuzz-token', 'content-type': 'application/json' }, payload });
        expect(run.statusCode, `seed ${seed}: ${run.body.slice(0, 300)}`).toBeLessThan(500);
        if (run.statusCode === 202) tally.runsStarted++;
        else {
          tally.runsRefused++;
          expect(JSON.parse(run.body).error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        }
      }
    }
    console.log(`fuzz: ${FILES} files — ${tally.valid} valid, ${tally.withProblems} with problems, ${tally.unreadable} unreadable; runs: ${tally.runsStarted} started, ${tally.runsRefused} refused`);
    expect(tally.withProblems + tally.unreadable).toBeGreaterThan(FILES / 2);
    for (const runId of engine.activeRunIds()) await engine.finished(runId);
  });
});

function hostHeader(): string {
  const address = server.app.server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}
