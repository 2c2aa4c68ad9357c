// The engine token handed between tabs of the same studio (same origin) over a BroadcastChannel, so a second tab,
// or the link opened again, connects without a new link. The token never enters a URL or a cookie: only pages of
// this origin hear the channel, and each tab keeps it in its own sessionStorage.

export const SESSION_CHANNEL_NAME = 'crucible.session';
export const TAB_ANSWER_TIMEOUT_MS = 600;

export type SessionChannel = Pick<BroadcastChannel, 'postMessage' | 'addEventListener' | 'removeEventListener'>;

type TabMessage = { type: 'token-wanted' } | { type: 'token'; token: string };

function tabMessageOf(data: unknown): TabMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const message = data as { type?: unknown; token?: unknown };
  if (message.type === 'token-wanted') return { type: 'token-wanted' };
  if (message.type === 'token' && typeof message.token === 'string' && message.token.length > 0 && message.token.length <= 500) return { type: 'token', token: message.token };
  return null;
}

/** Asks the other tabs of this studio for the token; null when none answers within `timeoutMs`. */
export function askOtherTabs(channel: SessionChannel, timeoutMs = TAB_ANSWER_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const done = (token: string | null) => {
      clearTimeout(timer);
      channel.removeEventListener('message', onMessage);
      resolve(token);
    };
    const onMessage = (event: Event) => {
      const message = tabMessageOf((event as MessageEvent).data);
      if (message?.type === 'token') done(message.token);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    channel.addEventListener('message', onMessage);
    channel.postMessage({ type: 'token-wanted' } satisfies TabMessage);
  });
}

/** Answers other tabs' requests with this tab's token, while it has one. Returns the way to stop. */
export function answerOtherTabs(channel: SessionChannel, tokenNow: () => string | null): () => void {
  const onMessage = (event: Event) => {
    if (tabMessageOf((event as MessageEvent).data)?.type !== 'token-wanted') return;
    const token = tokenNow();
    if (token) channel.postMessage({ type: 'token', token } satisfies TabMessage);
  };
  channel.addEventListener('message', onMessage);
  return () => channel.removeEventListener('message', onMessage);
}
