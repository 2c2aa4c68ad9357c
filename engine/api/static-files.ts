// Serves the renderer's built files (for `crucible studio`), with single-page-app fallback to index.html and no
// way out of the folder.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export async function sendStaticFile(reply: FastifyReply, staticDir: string, urlPath: string): Promise<boolean> {
  // Compare against the absolute folder: a relative --static-dir would never prefix the resolved candidate.
  const root = path.resolve(staticDir);
  const clean = decodeURIComponent(urlPath.split('?')[0]!).replace(/^\/+/, '');
  const candidate = path.resolve(root, clean || 'index.html');
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return false;
  const file = (await isFile(candidate)) ? candidate : path.extname(clean) === '' ? path.join(root, 'index.html') : null;
  if (!file || !(await isFile(file))) return false;
  const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
  const immutable = file.includes(`${path.sep}assets${path.sep}`);
  await reply
    .type(type)
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(file));
  return true;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}
