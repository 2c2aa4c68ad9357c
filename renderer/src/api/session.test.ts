// The token handover: a one-time code from the URL fragment is traded once, kept in this tab only, and stripped
// from the address bar; a reload uses the kept token; a new tab, or the used link opened again, gets the token from
// the studio's other open tabs; no code and no token means a clear message.
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEngineConnection, sessionCodeFromHash, TOKEN_STORAGE_KEY, type SessionEnvironment } from './session.ts';
import { answerOtherTabs } from './session-tabs.ts';

const channels: BroadcastChannel[] = [];
function channel(name = 'crucible.session.test') {
  const opened = new BroadcastChannel(name);
  channels.push(opened);
  return opened;
}
afterEach(() => {
  for (const opened of channels.splice(0)) opened.close();
});

function environment(hash: string, answer: () => Response, stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored));
  const requests: { url: string; body: unknown }[] = [];
  const replaced: string[] = [];
  const env: SessionEnvironment = {
    location: { hash, pathname: '/', search: '' },
    history: { replaceState: (_data, _unused, url) => void replaced.push(String(url)) },
    storage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => void storage.set(key, value) },
    fetch: async (url, init) => {
      requests.push({ url: String(url), body: JSON.parse(String(init?.body)) });
      return answer();
    },
  };
  return { env, storage, requests, replaced };
}

describe('sessionCodeFromHash', () => {
  it('reads the code from the fragment', () => {
    expect(sessionCodeFromHash('#code=abc_123')).toBe('abc_123');
    expect(sessionCodeFromHash('#other=1')).toBeNull();
  });
});

describe('resolveEngineConnection', () => {
  it('trades the code once, keeps the token in session storage and strips the code from the URL', async () => {
    const { env, storage, requests, replaced } = environment('#code=one-time', () => Response.json({ token: 'secret-token' }));
    const result = await resolveEngineConnection(env);
    expect(result).toEqual({ ok: true, connection: { baseUrl: '', token: 'secret-token' } });
    expect(requests).toEqual([{ url: '/api/session', body: { code: 'one-time' } }]);
    expect(storage.get(TOKEN_STORAGE_KEY)).toBe('secret-token');
    expect(replaced).toEqual(['/']);
  });

  it('uses the kept token after a reload, without asking the engine', async () => {
    const { env, requests } = environment('', () => Response.json({}), { [TOKEN_STORAGE_KEY]: 'kept' });
    expect(await resolveEngineConnection(env)).toEqual({ ok: true, connection: { baseUrl: '', token: 'kept' } });
    expect(requests).toEqual([]);
  });

  it('passes on the engine’s message for a used link', async () => {
    const { env } = environment('#code=used', () => Response.json({ error: { message: 'this link was already used or has expired' } }, { status: 401 }));
    const result = await resolveEngineConnection(env);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^this link was already used or has expired\. No other studio tab of this browser is open.*run "crucible studio" again/);
  });

  it('gets the token from another open tab in a new tab, and when the used link is opened again', async () => {
    const firstTab = channel();
    const stop = answerOtherTabs(firstTab, () => 'shared-token');
    const fresh = environment('', () => Response.json({}));
    expect(await resolveEngineConnection({ ...fresh.env, tabs: channel() })).toEqual({ ok: true, connection: { baseUrl: '', token: 'shared-token' } });
    expect(fresh.storage.get(TOKEN_STORAGE_KEY)).toBe('shared-token');
    expect(fresh.requests).toEqual([]);

    const reopened = environment('#code=used', () => Response.json({ error: { message: 'this link was already used or has expired' } }, { status: 401 }));
    expect(await resolveEngineConnection({ ...reopened.env, tabs: channel() })).toEqual({ ok: true, connection: { baseUrl: '', token: 'shared-token' } });
    expect(reopened.replaced).toEqual(['/']);
    stop();
  });

  it('says what to do when no other tab answers (or none has a token)', async () => {
    answerOtherTabs(channel(), () => null);
    const { env } = environment('', () => Response.json({}));
    const started = Date.now();
    const result = await resolveEngineConnection({ ...env, tabs: channel() });
    expect(result).toEqual({ ok: false, message: 'Not connected to an engine. Run "crucible studio" and open the one-time link it prints.' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
