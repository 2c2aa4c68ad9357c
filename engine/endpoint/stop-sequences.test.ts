// The stop-string watcher and the generation output: held-back stop prefixes, text cut at the stop.
import { describe, expect, it } from 'vitest';
import { GenerationOutput } from './generation-output.ts';
import { StopSequenceWatcher } from './stop-sequences.ts';

describe('stop strings', () => {
  it('holds back a possible stop prefix and releases it when it turns out not to be one', () => {
    const watcher = new StopSequenceWatcher(['\nUser:']);
    expect(watcher.push('Hello\nUs')).toEqual({ released: 'Hello', stopped: false });
    expect(watcher.push('ually')).toEqual({ released: '\nUsually', stopped: false });
    expect(watcher.push(' fine\nUser: more')).toEqual({ released: ' fine', stopped: true });
    expect(watcher.push('after')).toEqual({ released: '', stopped: true });
  });

  it('gives back held text at the end when no stop string completed', () => {
    const watcher = new StopSequenceWatcher(['END']);
    expect(watcher.push('the EN')).toEqual({ released: 'the ', stopped: false });
    expect(watcher.flush()).toBe('EN');
  });

  it('counts every generated token but returns only text before the stop, with offsets for logprobs', () => {
    const output = new GenerationOutput(['cd']);
    const deltas = ['ab', 'c', 'de'].map((text, tokenId) => output.accept({ type: 'token', tokenId, text, logprob: -1 }));
    expect(deltas.map((delta) => delta.text)).toEqual(['ab', '', '']);
    expect(output.text).toBe('ab');
    expect(output.finishReason).toBe('stop');
    expect(output.completionTokens).toBe(3);
    expect(output.visibleTokens.map((token) => token.textOffset)).toEqual([0]);
  });

  it('adds the text the generator held at the end (a character it stopped inside), through the stop strings', () => {
    const output = new GenerationOutput(['END']);
    expect(output.accept({ type: 'token', tokenId: 1, text: 'ok E' }).text).toBe('ok ');
    expect(output.accept({ type: 'token', tokenId: 2, text: '' }).text).toBe('');
    expect(output.accept({ type: 'finish', reason: 'length', text: '\uFFFD' }).text).toBe('E\uFFFD');
    expect([output.text, output.finishReason]).toEqual(['ok E\uFFFD', 'length']);
    const stopped = new GenerationOutput(['E\uFFFD']);
    stopped.accept({ type: 'token', tokenId: 1, text: 'ok E' });
    expect(stopped.accept({ type: 'finish', reason: 'length', text: '\uFFFD' }).text).toBe('');
    expect([stopped.text, stopped.finishReason]).toEqual(['ok ', 'stop']);
  });
});
