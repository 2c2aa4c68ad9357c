// The window's Content-Security-Policy, added to every response the engine serves to the window: scripts only from
// the app's own origin (no inline script, no eval), no plugins, frames, forms or <base> tricks.
import type { Session } from 'electron';

/** Inline styles stay allowed: React Flow and uPlot position elements through style attributes. The API calls go
 * to the engine (same origin) and to local API endpoints on other loopback ports, all of which require a token. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' http://127.0.0.1:*",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

type ResponseHeaders = Record<string, string | string[]>;

/** The headers with our policy in place of any the server sent. */
export function withContentSecurityPolicy(headers: ResponseHeaders | undefined): ResponseHeaders {
  const kept = Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
  return { ...kept, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] };
}

export function installContentSecurityPolicy(session: Session, isAppUrl: (url: string) => boolean): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({});
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
}
