// `crucible keys` and `crucible usage` against a temporary data directory: the secret is printed once and works,
// list never shows it, revoke refuses it, and usage prints the request log as a table or CSV.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServingStore } from '../../endpoint/store/serving-store.ts';
import { runCliIn } from '../testing/run-cli-in.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-keys-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCliIn(dataDir, args);

describe('crucible keys', () => {
  it('creates a key shown once, lists it without the secret, and revokes it', async () => {
    const created = await cli('keys', 'create', '--name', 'app', '--models', 'a,b', '--rpm', '60', '--budget', '5', '--period', 'month', '--expires', '2030-01-01');
    expect(created.code).toBe(0);
    const secret = /sk-[A-Za-z0-9_-]{43}/.exec(created.out)![0];
    const store = ServingStore.open({ dataDir });
    expect((await store.keys.check(secret)).ok).toBe(true);
    await store.close();
    const listed = await cli('keys', 'list');
    expect(listed.out).toContain('app');
    expect(listed.out).toContain('models: a,b');
    expect(listed.out).toContain('budget 5/month');
    expect(listed.out).not.toContain(secret.slice(3, 20));
    expect((await cli('keys', 'revoke', 'app')).code).toBe(0);
    expect((await cli('keys', 'revoke', 'app')).code).toBe(1);
    const reopened = ServingStore.open({ dataDir });
    expect(await reopened.keys.check(secret)).toMatchObject({ ok: false, reason: 'revoked' });
    await reopened.close();
  });

  it('updates only the flags given, clears with all/default/none/never, and keeps the secret', async () => {
    const created = await cli('keys', 'create', '--name', 'app', '--models', 'a', '--rpm', '60', '--tpm', '1000', '--budget', '5', '--period', 'month', '--expires', '2030-01-01');
    const secret = /sk-[A-Za-z0-9_-]{43}/.exec(created.out)![0];
    const raised = await cli('keys', 'update', 'app', '--rpm', '600', '--models', 'all');
    expect(raised.code).toBe(0);
    expect(raised.out).toContain('secret is unchanged');
    expect(raised.out).toMatch(/models: all\s+rpm 600, tpm 1000\s+budget 5\/month\s+expires 2030-01-01/);
    const cleared = await cli('keys', 'update', 'app', '--tpm', 'default', '--budget', 'none', '--period', 'none', '--expires', 'never', '--json');
    expect(JSON.parse(cleared.out)).toMatchObject({ rpm: 600, tpm: null, budget: null, period: null, expiresAt: null, models: null });
    const store = ServingStore.open({ dataDir });
    expect(await store.keys.check(secret)).toMatchObject({ ok: true, key: { rpm: 600 } });
    await store.close();
    const nothing = await cli('keys', 'update', 'app');
    expect(nothing.code).toBe(64);
    expect(nothing.err).toContain('give at least one field to change');
    const halfBudget = await cli('keys', 'update', 'app', '--budget', '3');
    expect(halfBudget.code).toBe(64);
    expect(halfBudget.err).toContain('--period: budget and period change together');
    const unknown = await cli('keys', 'update', 'ghost', '--rpm', '1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no active key named "ghost"');
  });

  it('refuses a second active key of the same name in one line, without a stack trace', async () => {
    expect((await cli('keys', 'create', '--name', 'demo')).code).toBe(0);
    const again = await cli('keys', 'create', '--name', 'demo');
    expect(again.code).toBe(1);
    expect(again.out).toBe('');
    expect(again.err).toBe('keys create: an active key named "demo" already exists; pick another --name, or revoke it first with "crucible keys revoke demo"\n');
    expect((await cli('keys', 'revoke', 'demo')).code).toBe(0);
    expect((await cli('keys', 'create', '--name', 'demo')).code).toBe(0);
  });

  it('refuses bad options with usage errors that name the flag', async () => {
    const noPeriod = await cli('keys', 'create', '--name', 'x', '--budget', '5');
    expect(noPeriod.code).toBe(64);
    expect(noPeriod.err).toContain('--period');
    const badDate = await cli('keys', 'create', '--name', 'x', '--expires', 'tomorrow');
    expect(badDate.err).toContain('--expires');
  });
});

describe('crucible usage', () => {
  it('prints per day/key/model rows as a table and as CSV, filtered by key and date', async () => {
    await cli('keys', 'create', '--name', 'app');
    const store = ServingStore.open({ dataDir });
    const keyId = (await store.keys.list())[0]!.id;
    const row = { endpoint: '/v1/completions', errorCode: null, currency: 'USD', latencyMs: 10, ttftMs: 2 };
    store.requests.record({ ...row, requestId: 'r1', keyId, model: 'm', status: 200, promptTokens: 3, completionTokens: 5, cost: 0.25, at: '2026-03-01T10:00:00.000Z' });
    store.requests.record({ ...row, requestId: 'r2', keyId, model: 'm', status: 429, promptTokens: 0, completionTokens: 0, cost: 0, at: '2026-03-02T10:00:00.000Z' });
    await store.close();
    const table = await cli('usage', '--key', 'app');
    expect(table.out).toMatch(/2026-03-01\s+app\s+m\s+1\s+0\s+3\s+5\s+0\.2500 USD/);
    expect(table.out).toMatch(/total\s+2\s+1\s+3\s+5/);
    const csv = await cli('usage', '--since', '2026-03-02', '--csv');
    expect(csv.out.trim().split('\n')).toEqual(['day,key,model,requests,errors,promptTokens,completionTokens,cost,currency,avgLatencyMs,avgTtftMs', '2026-03-02,app,m,1,1,0,0,0,USD,10,2']);
  });
});
