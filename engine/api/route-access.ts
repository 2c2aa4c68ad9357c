// Which requests need the engine token, decided from the route the router matched — never from the raw URL, which
// a client can spell many ways (`/%61pi/keys`, `/API//keys/`, `/x/../api/keys`) that the router reads as one route.
// Every matched route needs the token unless app/protocol lists it as public; a route added later is protected
// without anyone remembering to. Requests that match no route reach only the not-found handler, which serves the
// studio's static files and never anything from the API namespace.
import type { FastifyRequest } from 'fastify';
import { PUBLIC_ROUTES } from '../../app/protocol/engine-api.ts';

/** True when the request matched a route, and that route is not public. */
export function needsToken(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && !PUBLIC_ROUTES.has(route);
}

/**
 * True when a URL that matched no route still names the API namespace once normalised as any router or file
 * system might (percent-decoding repeatedly, case, backslashes, doubled slashes, dot segments, `;` parameters and
 * NULs): such a request gets a JSON 404, never the studio's index.html.
 */
export function inApiNamespace(rawUrl: string): boolean {
  const firstSegment = normalisedPath(rawUrl).split('/').find((segment) => segment !== '') ?? '';
  return firstSegment.startsWith('api');
}

/**
 * A request target as a path and query: a request line may carry the whole URL (`GET http://host/api/x`, which the
 * router serves as /api/x), whose scheme and authority are dropped, so every check and use reads the same path.
 */
export function originForm(rawUrl: string): string {
  return rawUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
}

/** The path of a request URL (originForm), decoded until stable (at most a few rounds), lower-cased, with dot segments resolved. */
export function normalisedPath(rawUrl: string): string {
  let text = originForm(rawUrl).split(/[?#]/)[0]!;
  for (let round = 0; round < 4; round++) {
    const decoded = decodeLeniently(text);
    if (decoded === text) break;
    text = decoded;
  }
  const segments: string[] = [];
  for (const segment of text.toLowerCase().replace(/\\/g, '/').split('/')) {
    const name = segment.replace(/[;\0].*$/s, '');
    if (name === '' || name === '.') continue;
    if (name === '..') segments.pop();
    else segments.push(name);
  }
  return `/${segments.join('/')}`;
}

/** Decodes each valid %XX escape, leaving malformed ones as they are (decodeURIComponent throws on those). */
function decodeLeniently(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    }
  });
}
