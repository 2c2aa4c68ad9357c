// A Hugging Face hub model named by repo id and pinned to a commit, plus where to reach the hub and how to sign in.
// A branch or tag moves; only a commit sha names the same files forever, so nothing else is accepted.

export interface HubModelRef {
  /** `owner/name`, as on the hub. */
  repo: string;
  /** A 40-hex commit sha. */
  revision: string;
}

const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Why the repo id is not usable, or null. `owner/name`: letters, digits, `.`, `_`, `-`; no `..`. */
export function repoIdProblem(repo: string): string | null {
  const parts = repo.split('/');
  const valid = parts.length === 2 && parts.every((part) => REPO_PART.test(part) && !part.includes('..'));
  return valid ? null : `"${repo}" is not a hub repo id; give it as owner/name (letters, digits, ".", "_" and "-"), for example openai-community/gpt2`;
}

/** Why the revision is not a commit sha, or null. */
export function revisionProblem(revision: string): string | null {
  if (COMMIT_SHA.test(revision)) return null;
  if (/^[0-9A-F]{40}$/i.test(revision)) return `revision "${revision}" must be written in lower case`;
  return `revision "${revision}" is not a commit sha; pin a commit: open the repo's 'Files and versions' page, copy the commit sha (40 hex characters)`;
}

/** Throws the first problem with the reference. */
export function assertHubModelRef(ref: HubModelRef): void {
  const problem = repoIdProblem(ref.repo) ?? revisionProblem(ref.revision);
  if (problem) throw new Error(problem);
}

export function describeRef(ref: HubModelRef): string {
  return `${ref.repo}@${ref.revision.slice(0, 12)}`;
}

/** The hub's base address without a trailing slash: the hook's, then HF_ENDPOINT, then huggingface.co. */
export function hubEndpoint(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  return (explicit ?? env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

/** Request headers that sign in with HF_TOKEN when it is set. The token is never put in a message or a file. */
export function hubAuthHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = env.HF_TOKEN?.trim();
  if (!token) return {};
  // fetch refuses a header holding a line break or a control character and quotes the whole value in its error,
  // which would then reach the run's log: refuse it here, without the value.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new Error('HF_TOKEN holds a line break, a space or a character outside printable ASCII; set it to the single hf_… token');
  }
  return { authorization: `Bearer ${token}` };
}
