// The evaluate node's cache fingerprint: the multiple-choice suite's content, so editing the suite re-runs the node
// while its path (the config) stays the same; no suite, no content to hash.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateConfig } from './spec.ts';
import { evaluateRun } from './run.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'crucible-evaluate-node-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const fingerprintOf = (multipleChoice: string) =>
  evaluateRun.fingerprint!({ nodeId: 'eval', config: evaluateConfig.parse({ multipleChoice }), pipelineDir: folder, dataDir: folder, signal: new AbortController().signal });

describe('the evaluate node fingerprint', () => {
  it("follows the suite's content, not only its path", async () => {
    const suite = path.join(folder, 'suite.jsonl');
    writeFileSync(suite, '{"context":"a","choices":["b","c"],"label":0}\n');
    const before = await fingerprintOf(suite);
    expect(await fingerprintOf(suite)).toBe(before);
    writeFileSync(suite, '{"context":"a","choices":["b","c"],"label":1}\n');
    expect(await fingerprintOf(suite)).not.toBe(before);
    expect(await fingerprintOf('')).toBe('');
    expect(await fingerprintOf(path.join(folder, 'missing.jsonl'))).toBe('unreadable');
  });
});
