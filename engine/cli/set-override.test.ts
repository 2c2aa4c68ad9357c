import { describe, expect, it } from 'vitest';
import { parseSetFlag } from './set-override.ts';

describe('parseSetFlag', () => {
  it('parses numbers, booleans, JSON and plain strings', () => {
    expect(parseSetFlag('train.maxSteps=50')).toEqual({ node: 'train', field: 'maxSteps', value: 50 });
    expect(parseSetFlag('train.bias=false')).toEqual({ node: 'train', field: 'bias', value: false });
    expect(parseSetFlag('data.sources=[{"path":"a.txt"}]')).toEqual({ node: 'data', field: 'sources', value: [{ path: 'a.txt' }] });
    expect(parseSetFlag('data.format=text')).toEqual({ node: 'data', field: 'format', value: 'text' });
    expect(parseSetFlag('deploy.defaults.topK=5')).toEqual({ node: 'deploy', field: 'defaults.topK', value: 5 });
    expect(parseSetFlag('eval.prompt=a=b')).toEqual({ node: 'eval', field: 'prompt', value: 'a=b' });
  });
  it('refuses malformed flags with an example', () => {
    for (const bad of ['maxSteps=5', 'train.=5', '.x=1', 'train.steps']) expect(() => parseSetFlag(bad)).toThrow(/NODE\.FIELD=VALUE/);
  });
});
