// Test support: a Redis that stops answering without closing its connections (SIGSTOP), as one that swaps, hangs on
// a slow disk or sits behind a network that drops packets does, and an admin connection to look at and change what
// a test's Redis holds.
import type { RedisClientType } from '@redis/client';

export interface RedisAdmin {
  client: RedisClientType;
  /** Stops the redis-server process (SIGSTOP); the function returned resumes it (SIGCONT), once however often called. */
  stall(): () => void;
  /** Resumes every stall not resumed yet: for afterEach, so a test that failed or timed out mid-stall frees Redis. */
  resumeAll(): void;
  close(): Promise<void>;
}

export async function openRedisAdmin(url: string): Promise<RedisAdmin> {
  const { createClient } = await import('@redis/client');
  const client = createClient({ url }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`Redis at ${url} did not report its process id in INFO server`);
  const resumers = new Set<() => void>();
  const resumeAll = () => {
    for (const resume of [...resumers]) resume();
  };
  return {
    client,
    stall() {
      process.kill(pid, 'SIGSTOP');
      let stalled = true;
      const resume = () => {
        if (!stalled) return;
        stalled = false;
        resumers.delete(resume);
        process.kill(pid, 'SIGCONT');
      };
      resumers.add(resume);
      return resume;
    },
    resumeAll,
    async close() {
      resumeAll();
      if (client.isOpen) await client.close();
    },
  };
}
