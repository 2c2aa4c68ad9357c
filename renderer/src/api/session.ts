// How a browser tab gets the engine token (web mode, `crucible studio`): the printed link carries a one-time code
// in the URL fragment, traded once for the token, kept in this tab's sessionStorage only, and removed from the
// address bar so the link cannot be reused or leak through history. A tab without a token (a new tab, the link
// opened again) asks the studio's other open tabs for it (session-tabs.ts). The desktop app uses
// desktop/desktop-engine.ts.
import { ROUTES } from '../../../app/protocol/engine-api.ts';
import type { EngineConnection } from './engine-client.ts';
import { askOtherTabs, type SessionChannel } from './session-tabs.ts';

export const TOKEN_STORAGE_KEY = 'crucible.engineToken';

export type ConnectionResult = { ok: true; connection: EngineConnection } | { ok: false; message: string };

export function sessionCodeFromHash(hash: string): string | null {
  const code = new URLSearchParams(hash.replace(/^#/, '')).get('code');
  return code && code.length <= 200 ? code : null;
}

export interface SessionEnvironment {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  fetch: typeof fetch;
  /** The other tabs of this studio, where the browser has BroadcastChannel. */
  tabs?: SessionChannel;
}

export async function resolveEngineConnection(env: SessionEnvironment): Promise<ConnectionResult> {
  const code = sessionCodeFromHash(env.location.hash);
  let refused: ConnectionResult | null = null;
  if (code) {
    env.history.replaceState(null, '', `${env.location.pathname}${env.location.search}`);
    const traded = await tradeCode(env.fetch, code);
    if (traded.ok) env.storage.setItem(TOKEN_STORAGE_KEY, traded.connection.token);
    if (traded.ok) return traded;
    refused = traded;
  }
  const token = env.storage.getItem(TOKEN_STORAGE_KEY) ?? (env.tabs ? await askOtherTabs(env.tabs) : null);
  if (token) {
    env.storage.setItem(TOKEN_STORAGE_KEY, token);
    return { ok: true, connection: { baseUrl: '', token } };
  }
  if (refused && !refused.ok) return { ok: false, message: `${refused.message}. No other studio tab of this browser is open to share its session: run "crucible studio" again and open the new link it prints.` };
  return { ok: false, message: 'Not connected to an engine. Run "crucible studio" and open the one-time link it prints.' };
}

async function tradeCode(fetchImpl: typeof fetch, code: string): Promise<ConnectionResult> {
  try {
    const response = await fetchImpl(ROUTES.session, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const payload = (await response.json().catch(() => null)) as { token?: string; error?: { message?: string } } | null;
    if (response.ok && payload?.token) return { ok: true, connection: { baseUrl: '', token: payload.token } };
    return { ok: false, message: payload?.error?.message ?? `the engine refused the link (${response.status}); run "crucible studio" again for a new one` };
  } catch (error) {
    return { ok: false, message: `cannot reach the engine: ${(error as Error).message}` };
  }
}
