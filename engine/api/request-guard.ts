// Who may talk to the engine: only requests that carry the per-launch token, name a loopback Host on our port
// (DNS rebinding) and, when a browser sends an Origin, come from an allowed origin (CSRF from other pages).
import { timingSafeEqual } from 'node:crypto';
import { TOKEN_HEADER } from '../../app/protocol/engine-api.ts';

export interface GuardOptions {
  token: string;
  /** The port the server listens on; filled in once it is known. */
  port: () => number;
  /** Extra origins allowed besides the server's own (e.g. the desktop app's). */
  allowedOrigins: readonly string[];
}

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; code: string; message: string };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function ownOrigins(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `http://${name}:${port}`);
}

export function checkHostAndOrigin(headers: Record<string, string | string[] | undefined>, options: GuardOptions): GuardVerdict {
  const port = options.port();
  const host = single(headers.host);
  if (!host || !LOOPBACK_NAMES.some((name) => host === `${name}:${port}`)) {
    return { ok: false, status: 403, code: 'forbidden_host', message: `Host "${host ?? ''}" is not this engine; connect to http://127.0.0.1:${port}` };
  }
  const origin = single(headers.origin);
  if (origin !== undefined && !ownOrigins(port).includes(origin) && !options.allowedOrigins.includes(origin)) {
    return { ok: false, status: 403, code: 'forbidden_origin', message: `requests from origin "${origin}" are not allowed` };
  }
  return { ok: true };
}

export function checkToken(headers: Record<string, string | string[] | undefined>, options: GuardOptions): GuardVerdict {
  const bearer = single(headers.authorization)?.match(/^Bearer (.+)$/i)?.[1];
  const presented = single(headers[TOKEN_HEADER]) ?? bearer;
  if (!presented) return { ok: false, status: 401, code: 'missing_token', message: `send the engine token in the "${TOKEN_HEADER}" header` };
  if (!sameSecret(presented, options.token)) return { ok: false, status: 401, code: 'invalid_token', message: 'the engine token is wrong' };
  return { ok: true };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
