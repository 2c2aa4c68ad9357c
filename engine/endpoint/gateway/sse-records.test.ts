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

it('finds every record whatever the chunk boundaries, a record end split across chunks included', () => {
  const stream = 'data: {"a":1}\r\n\r\n: ping\n\ndata: {"b":"x\\ny"}\n\r\ndata: [DONE]\n\n';
  const whole = new SseRecordSplitter().push(bytes(stream));
  expect(whole).toHaveLength(4);
  for (let first = 1; first < stream.length; first++) {
    for (const size of [1, 2, 3, 5]) {
      const splitter = new SseRecordSplitter();
      const records = splitter.push(bytes(stream.slice(0, first)));
      for (let at = first; at < stream.length; at += size) records.push(...splitter.push(bytes(stream.slice(at, at + size))));
      expect(records).toEqual(whole);
      expect(splitter.incomplete).toBe(false);
    }
  }
});

it('refuses a record that grows past 16 MiB without ending, fed in small chunks', () => {
  const splitter = new SseRecordSplitter();
  const chunk = bytes(`data: ${'x'.repeat(64 * 1024)}`);
  expect(() => {
    for (let index = 0; index < 300; index++) splitter.push(chunk);
  }).toThrow(/a stream record grew past 16 MiB without ending/);
});
