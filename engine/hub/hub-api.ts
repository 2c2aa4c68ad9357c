// The two hub requests Crucible makes: list a revision's files (GET /api/models/{repo}/revision/{sha}?blobs=true)
// and the address of one file (GET /{repo}/resolve/{sha}/{file}). Sign-in is HF_TOKEN as a bearer token.
import { z } from 'zod';
import { parseJsonText } from '../files/json-text.ts';
import { describeRef, type HubModelRef } from './model-ref.ts';

export interface HubConnection {
  endpoint: string;
  /** Authorization when HF_TOKEN is set; never printed. */
  headers: Record<string, string>;
  ref: HubModelRef;
  signal: AbortSignal;
}

export interface HubFileEntry {
  /** The path in the repo, `/`-separated. */
  name: string;
  bytes: number | null;
  /** The LFS object's sha256, known before the download; null for files kept in git itself. */
  sha256: string | null;
}

const revisionInfoSchema = z.object({
  sha: z.string().optional(),
  siblings: z.array(
    z.object({
      rfilename: z.string(),
      size: z.number().int().nonnegative().optional(),
      lfs: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).optional(),
    }),
  ),
});

/** What to do without a network, appended to download failures. */
export function offlineHint(ref: HubModelRef): string {
  return `on a machine without internet, register a local copy of the model: crucible models add DIR --repo ${ref.repo} --revision ${ref.revision}`;
}

/** The files of the pinned revision, with sizes and (for LFS files) sha256. */
export async function listRevisionFiles(hub: HubConnection): Promise<HubFileEntry[]> {
  const url = `${hub.endpoint}/api/models/${hub.ref.repo}/revision/${hub.ref.revision}?blobs=true`;
  const where = `hub repo ${describeRef(hub.ref)}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: hub.signal, headers: { ...hub.headers, accept: 'application/json' }, redirect: 'follow' });
  } catch (error) {
    if (hub.signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the hub at ${hub.endpoint} to list ${where} (${cause?.code ?? cause?.message ?? (error as Error).message}); check the network (and HF_ENDPOINT), or ${offlineHint(hub.ref)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${where}: the hub answered ${response.status} ${response.statusText}; ${statusRemedy(response.status, hub)}`);
  }
  const parsed = parseJsonText(await response.text());
  const info = parsed.ok ? revisionInfoSchema.safeParse(parsed.value) : null;
  if (!info?.success) throw new Error(`${where}: the hub's file list at ${url} is not what Crucible expects (${parsed.ok ? 'no "siblings" list' : parsed.problem}); check HF_ENDPOINT points to a Hugging Face hub`);
  if (info.data.sha !== undefined && info.data.sha !== hub.ref.revision) {
    throw new Error(`${where}: the hub answered with commit ${info.data.sha}, not the pinned ${hub.ref.revision}; check the revision`);
  }
  return info.data.siblings.map((sibling) => ({ name: sibling.rfilename, bytes: sibling.lfs?.size ?? sibling.size ?? null, sha256: sibling.lfs?.sha256 ?? null }));
}

/** The download address of one file of the pinned revision. */
export function resolveFileUrl(hub: HubConnection, name: string): string {
  const file = name.split('/').map(encodeURIComponent).join('/');
  return `${hub.endpoint}/${hub.ref.repo}/resolve/${hub.ref.revision}/${file}`;
}

function statusRemedy(status: number, hub: HubConnection): string {
  const signedIn = 'authorization' in hub.headers;
  if (status === 401 || status === 403) {
    return signedIn
      ? 'the repo is private or gated and HF_TOKEN does not give access: accept its terms on the hub, or use a token with read access'
      : 'the repo is private or gated: accept its terms on the hub and set HF_TOKEN to a token with read access';
  }
  if (status === 404) return `check the repo id and that the commit exists in it${signedIn ? '' : ' (a private repo also answers 404 without HF_TOKEN)'}`;
  return `try again later, or ${offlineHint(hub.ref)}`;
}
