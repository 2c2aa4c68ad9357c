// Releasing what a job holds (sessions, files) when it ends, so that one failed release leaves nothing else open.

/** Runs every release in turn, whether or not an earlier one failed; the first failure, or null when none did. */
export async function releaseEach(releases: readonly (() => unknown)[]): Promise<{ error: unknown } | null> {
  let failure: { error: unknown } | null = null;
  for (const release of releases) {
    try {
      await release();
    } catch (error) {
      failure ??= { error };
    }
  }
  return failure;
}
