// The sample log line round-trips any text (newlines, quotes, arrows) and other lines are not samples.
import { describe, expect, it } from 'vitest';
import { parseSampleLogLine, sampleLogLine } from './training-sample.ts';

describe('training sample log lines', () => {
  it('round-trips prompts and texts with newlines, quotes and the separator itself', () => {
    const sample = { step: 250, prompt: 'ROMEO:\n', text: ' "Thou" → art\nmine\\' };
    const line = sampleLogLine(sample);
    expect(line).not.toContain('\n');
    expect(line.startsWith('sample at step 250: "ROMEO:\\n" → ')).toBe(true);
    expect(parseSampleLogLine(line)).toEqual(sample);
  });

  it('reads no sample from other lines or damaged ones', () => {
    expect(parseSampleLogLine('step 250/2000 · loss 1.2')).toBeNull();
    expect(parseSampleLogLine('sample at step 3: "a" → "unterminated')).toBeNull();
    expect(parseSampleLogLine('sample at step x: "a" → "b"')).toBeNull();
  });
});
