import { expect, it } from 'vitest';
import { SseRecordSplitter } from './sse-records.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

it('passes on each record as soon as its blank line arrives, however the bytes are cut', () => {
  const splitter = new SseRecordSplitter();
  expect(splitter.push(bytes('data: {"a":1}\n'))).toEqual([]);
  expect(splitter.push(bytes('\ndata: {"b"'))).toEqual([{ kind: 'json', value: { a: 1 } }]);
  expect(splitter.incomplete).toBe(true);
  expect(splitter.push(bytes(':2}\r\n\r\n: ping\n\ndata: [DONE]\n\n'))).toEqual([{ kind: 'json', value: { b: 2 } }, { kind: 'other', raw: ': ping' }, { kind: 'done' }]);
  expect(splitter.incomplete).toBe(false);
});

it('keeps a multi-byte character split across chunks whole', () => {
  const splitter = new SseRecordSplitter();
  const encoded = bytes('data: {"t":"é"}\n\n');
  const cut = encoded.indexOf(0xc3) + 1;
  expect(splitter.push(encoded.slice(0, cut))).toEqual([]);
  expect(splitter.push(encoded.slice(cut))).toEqual([{ kind: 'json', value: { t: 'é' } }]);
});

it('passes data that is not a JSON object on untouched', () => {
  expect(new SseRecordSplitter().push(bytes('data: not json\n\nevent: x\ndata: {}\n\n'))).toEqual([
    { kind: 'other', raw: 'data: not json' },
    { kind: 'other', raw: 'event: x\ndata: {}' },
  ]);
});
