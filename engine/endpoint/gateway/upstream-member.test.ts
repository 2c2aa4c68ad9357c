import { describe, expect, it } from 'vitest';
import { upstreamConfig } from '../../../nodes/api-endpoint/upstreams.ts';
import { UpstreamMember } from './upstream-member.ts';

function memberAt(clock: { t: number }, config: Record<string, unknown> = {}) {
  return new UpstreamMember(upstreamConfig.parse({ url: 'http://127.0.0.1:9', models: [{ name: 'm' }], ...config }), { env: {}, cooldownMs: 1_000, clock: { now: () => clock.t } });
}

describe('UpstreamMember health', () => {
  it('goes down after three failed requests in a row, at once when the connection is refused', () => {
    const clock = { t: 0 };
    const flaky = memberAt(clock);
    flaky.failed('answered 500', { downAtOnce: false });
    flaky.failed('answered 500', { downAtOnce: false });
    expect(flaky.available()).toBe(true);
    flaky.failed('answered 500', { downAtOnce: false });
    expect([flaky.health, flaky.available()]).toEqual(['down', false]);

    const gone = memberAt(clock);
    gone.failed('ECONNREFUSED', { downAtOnce: true });
    expect(gone.health).toBe('down');
  });

  it('a success in between resets the count', () => {
    const member = memberAt({ t: 0 });
    member.failed('500', { downAtOnce: false });
    member.failed('500', { downAtOnce: false });
    member.succeeded();
    member.failed('500', { downAtOnce: false });
    expect(member.health).toBe('up');
  });

  it('cools down, is probed again once the cooldown is over, and waits twice as long after each failed probe (up to 10 s)', () => {
    const clock = { t: 0 };
    const member = memberAt(clock);
    member.failed('ECONNREFUSED', { downAtOnce: true });
    const waits: number[] = [];
    for (let probe = 0; probe < 6; probe++) {
      const due = member.availableAt();
      waits.push(due - clock.t);
      clock.t = due - 1;
      expect(member.dueForProbe()).toBe(false);
      clock.t = due;
      expect(member.dueForProbe()).toBe(true);
      member.failed('health check: ECONNREFUSED', { downAtOnce: true });
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    member.succeeded();
    expect([member.health, member.available()]).toEqual(['up', true]);
    // Back to the first cooldown for its next failure.
    member.failed('ECONNREFUSED', { downAtOnce: true });
    expect(member.availableAt() - clock.t).toBe(1_000);
  });

  it('takes no requests while throttled by a retry-after, without counting it a failure', () => {
    const clock = { t: 0 };
    const member = memberAt(clock);
    member.succeeded();
    member.throttle(5_000);
    expect([member.available(), member.health, member.availableAt()]).toEqual([false, 'up', 5_000]);
    clock.t = 5_000;
    expect(member.available()).toBe(true);
  });

  it('takes no more than maxConcurrency requests at once', () => {
    const member = memberAt({ t: 0 }, { maxConcurrency: 2 });
    const first = member.begin();
    member.begin();
    expect(member.available()).toBe(false);
    first();
    first();
    expect([member.inFlight, member.available()]).toEqual([1, true]);
  });

  it('reads its key from the environment variable it names, and says which is missing', () => {
    const config = upstreamConfig.parse({ url: 'http://127.0.0.1:9', apiKeyEnv: 'UPSTREAM_KEY' });
    expect(new UpstreamMember(config, { env: { UPSTREAM_KEY: 'sk-x' }, cooldownMs: 1_000 }).authorization).toBe('Bearer sk-x');
    expect(() => new UpstreamMember(config, { env: {}, cooldownMs: 1_000 })).toThrow(/UPSTREAM_KEY \(its apiKeyEnv\) is not set/);
  });
});
