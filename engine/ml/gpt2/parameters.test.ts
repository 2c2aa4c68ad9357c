// The studio sizes a model with app/models/gpt2-sizing.ts before anything is built; it must count what the engine
// will really allocate.
import { describe, expect, it } from 'vitest';
import { gpt2Sizing } from '../../../app/models/gpt2-sizing.ts';
import { GPT2_DEFAULTS } from '../../../app/models/gpt2-defaults.ts';
import type { Gpt2Config } from './config.ts';
import { parameterCount } from './parameters.ts';

describe('GPT-2 parameter count', () => {
  it("equals the studio's sizing for small and real shapes, with and without bias", () => {
    const shapes = [
      { vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 },
      { vocabSize: 50_257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768 },
      { vocabSize: 3, blockSize: 5, nLayer: 1, nHead: 1, nEmbd: 2 },
    ];
    for (const shape of shapes) {
      for (const bias of [true, false]) {
        const config: Gpt2Config = { ...GPT2_DEFAULTS, ...shape, bias };
        expect([shape, bias, gpt2Sizing.parameterCount(config)]).toEqual([shape, bias, parameterCount(config)]);
      }
    }
    expect(parameterCount({ ...GPT2_DEFAULTS, vocabSize: 50_257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768 })).toBe(124_439_808);
  });
});
