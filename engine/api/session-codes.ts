// One-time codes that hand the engine token to a browser tab: `crucible studio` prints a URL whose fragment holds a
// code; the page trades it once for the token. A copied link is useless after that, and after a few minutes.
import { randomBytes } from 'node:crypto';

export class SessionCodes {
  readonly #codes = new Map<string, number>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  issue(): string {
    const code = randomBytes(16).toString('base64url');
    this.#codes.set(code, Date.now() + this.ttlMs);
    return code;
  }

  /** True once per issued code, within its lifetime. */
  redeem(code: string): boolean {
    const expiresAt = this.#codes.get(code);
    this.#codes.delete(code);
    return expiresAt !== undefined && Date.now() <= expiresAt;
  }
}
