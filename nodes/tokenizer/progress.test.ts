// Checks the tokenizer run's progress: phases weighted by their bytes, an ETA once enough is done, and throttling
// that never drops the first or last update of a phase.
import { describe, expect, it } from 'vitest';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import { TokenizerProgress } from './progress.ts';

describe('TokenizerProgress', () => {
  it('weights phases by bytes and moves on from the end of finished phases', () => {
    const updates: NodeProgress[] = [];
    const progress = new TokenizerProgress([{ name: 'training', bytes: 300 }, { name: 'encoding', bytes: 100 }], (update) => updates.push(update));
    const training = progress.phase('training');
    training({ bytesRead: 300, bytesTotal: 300 });
    progress.finish('training');
    const encoding = progress.phase('encoding');
    encoding({ bytesRead: 100, bytesTotal: 100, tokens: 42 });
    expect(updates.map((update) => update.fraction)).toEqual([0, 0.75, 0.75, 1]);
    expect(updates[1]?.etaMs).toBeGreaterThanOrEqual(0);
    expect(updates[3]).toMatchObject({ metrics: { bytesRead: 100, tokens: 42 }, message: 'encoding: 0.0 MB read, 42 tokens' });
    expect(updates[3]?.etaMs).toBeUndefined();
  });

  it('sends at most a few updates a second within a phase', () => {
    const updates: NodeProgress[] = [];
    const progress = new TokenizerProgress([{ name: 'encoding', bytes: 1000 }], (update) => updates.push(update));
    const encoding = progress.phase('encoding');
    for (let bytesRead = 1; bytesRead < 1000; bytesRead++) encoding({ bytesRead, bytesTotal: 1000 });
    expect(updates.length).toBeLessThan(5);
    encoding({ bytesRead: 1000, bytesTotal: 1000 });
    expect(updates.at(-1)?.fraction).toBe(1);
  });

  it('names the stage a phase has reached, even right after another update', () => {
    const updates: NodeProgress[] = [];
    const training = new TokenizerProgress([{ name: 'training bpe', bytes: 10 }], (update) => updates.push(update)).phase('training bpe');
    training({ bytesRead: 10, bytesTotal: 10 });
    training({ bytesRead: 10, bytesTotal: 10, stage: 'learning merges' });
    expect(updates.at(-1)?.message).toBe('training bpe, learning merges: 0.0 MB read');
  });

  it('refuses a phase it was not told about', () => {
    expect(() => new TokenizerProgress([], () => undefined).phase('encoding')).toThrow(/unknown phase "encoding"/);
  });
});
