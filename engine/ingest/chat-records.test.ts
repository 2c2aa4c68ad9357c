import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestHarness } from './testing/ingest-harness.ts';
import { writeChatParquetFixture } from './testing/parquet-chat-fixture.ts';
import { writeParquetFixture } from './testing/parquet-fixture.ts';

const harness = new IngestHarness();
afterAll(() => harness.cleanup());

const chat = (config: Record<string, unknown>) => harness.ingest({ content: 'chat', valFraction: 0, dedupe: 'none', ...config });
const jsonl = (name: string, records: unknown[]) => harness.file(name, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
const parsed = (documents: string[]) => documents.map((text) => JSON.parse(text) as unknown);

describe('dataset content "chat"', () => {
  it('reads OpenAI messages (string or text-part content, developer as system) into canonical JSON documents', async () => {
    const file = jsonl('m.jsonl', [
      { id: 1, messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] }, { role: 'assistant', content: 'Hello!', name: 'bot' }] },
      { messages: [{ role: 'user', content: 'Cafe\u0301\r\nok' }, { role: 'assistant', content: 'Sure' }] },
    ]);
    const corpus = await chat({ sources: [{ path: file }] });
    expect(corpus.train).toEqual([
      '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"},{"role":"assistant","content":"Hello!"}]}',
      // NFC and LF applied to the content, inside valid JSON.
      '{"messages":[{"role":"user","content":"Café\\nok"},{"role":"assistant","content":"Sure"}]}',
    ]);
    expect(corpus.stats.content).toBe('chat');
    expect(JSON.parse(readFileSync(path.join(corpus.corpusDir, 'stats.json'), 'utf8')).content).toBe('chat');
  });

  it('reads Alpaca records: instruction + input as the user turn, output as the assistant, optional system', async () => {
    const file = jsonl('a.jsonl', [
      { instruction: 'Translate', input: 'chat', output: 'cat' },
      { instruction: 'Say hi', input: '', output: 'hi', system: 'Friendly.' },
    ]);
    expect(parsed((await chat({ sources: [{ path: file }] })).train)).toEqual([
      { messages: [{ role: 'user', content: 'Translate\n\nchat' }, { role: 'assistant', content: 'cat' }] },
      { messages: [{ role: 'system', content: 'Friendly.' }, { role: 'user', content: 'Say hi' }, { role: 'assistant', content: 'hi' }] },
    ]);
  });

  it('dedupes on the canonical JSON and never cuts a single conversation', async () => {
    const record = { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] };
    const file = jsonl('d.jsonl', [record, { messages: [{ role: 'user', content: 'a', extra: 1 }, { role: 'assistant', content: 'b' }] }]);
    const corpus = await chat({ sources: [{ path: file }], dedupe: 'exact', valFraction: 0.5 });
    expect(corpus.stats.duplicatesRemoved).toBe(1);
    expect(parsed(corpus.train)).toEqual([record]);
    expect(corpus.val).toEqual([]);
  });

  it('reads parquet rows: Alpaca columns, and a messages column holding JSON text', async () => {
    const alpaca = harness.file('a.parquet', '');
    await writeParquetFixture(alpaca, { instruction: ['Add', 'Greet'], input: ['1 and 2', ''], output: ['3', 'hello'] });
    const messages = harness.file('m.parquet', '');
    await writeParquetFixture(messages, { messages: [JSON.stringify([{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }])] });
    expect(parsed((await chat({ sources: [{ path: alpaca }, { path: messages }] })).train)).toEqual([
      { messages: [{ role: 'user', content: 'Add\n\n1 and 2' }, { role: 'assistant', content: '3' }] },
      { messages: [{ role: 'user', content: 'Greet' }, { role: 'assistant', content: 'hello' }] },
      { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }] },
    ]);
  });

  it("reads parquet's nested messages column (a list of {role, content} structs, as hub chat datasets store it)", async () => {
    const file = harness.file('nested.parquet', '');
    const rows = [
      [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }],
      [{ role: 'system', content: 's' }, { role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }],
    ];
    await writeChatParquetFixture(file, rows);
    expect(parsed((await chat({ sources: [{ path: file }] })).train)).toEqual(rows.map((messages) => ({ messages })));
    const empty = harness.file('nested-empty.parquet', '');
    await writeChatParquetFixture(empty, [rows[0]!, []]);
    await expect(chat({ sources: [{ path: empty }] })).rejects.toThrow(/nested-empty\.parquet" row 2: the conversation is empty/);
    const latin1 = harness.file('nested-latin1.parquet', '');
    await writeChatParquetFixture(latin1, [rows[0]!, [{ role: 'user', content: 'q' }, { role: 'assistant', content: Buffer.from([0x6f, 0x6b, 0xff]) }]]);
    await expect(chat({ sources: [{ path: latin1 }] })).rejects.toThrow(/nested-latin1\.parquet" row 2: not valid UTF-8 \(column "messages", byte 0xff at byte offset 2 of the value\)/);
  });

  it('fails with the first bad record (file and line) and the count of bad records, after reading them all', async () => {
    const file = jsonl('bad.jsonl', [
      { messages: [{ role: 'user', content: 'ok' }, { role: 'assistant', content: 'ok' }] },
      { messages: [{ role: 'tool', content: 'x' }] },
      [1, 2],
      { messages: [] },
    ]);
    await expect(chat({ sources: [{ path: file }] })).rejects.toThrow(/"[^"]*bad\.jsonl" line 2 message 1: unknown role "tool".*3 in all/);
  });

  it.each([
    [[1], /line 1: expected a chat record .* found a list/],
    [{ text: 'plain' }, /line 1: neither "messages" nor "instruction" and "output" \(its fields: "text"\)/],
    [{ messages: [] }, /line 1: the conversation is empty/],
    [{ messages: [{ role: 'user', content: 'q' }] }, /line 1: the conversation has no assistant message/],
    [{ messages: [{ role: 'user', content: 3 }, { role: 'assistant', content: 'a' }] }, /line 1 message 1: content is a number/],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url' }] }, { role: 'assistant', content: 'a' }] }, /message 1: content part 1 is not \{type: "text"/],
    [{ instruction: 'i', output: 5 }, /line 1: "output" is a number, not a string/],
  ])('refuses %j naming the record', async (record, message) => {
    const file = jsonl(`one-${Math.random()}.jsonl`, [record]);
    await expect(chat({ sources: [{ path: file }] })).rejects.toThrow(message);
  });

  it('names the parquet row of a bad record, and a parquet file without chat columns', async () => {
    const rows = harness.file('bad.parquet', '');
    await writeParquetFixture(rows, { instruction: ['a', 'b'], output: ['c', 'd'], system: ['', ''] });
    const bad = harness.file('bad-row.parquet', '');
    await writeParquetFixture(bad, { messages: ['[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]', '{"oops"'] });
    await expect(chat({ sources: [{ path: bad }] })).rejects.toThrow(/bad-row\.parquet" row 2: "messages" is a string, not a list/);
    const other = harness.file('other.parquet', '');
    await writeParquetFixture(other, { text: ['x'] });
    await expect(chat({ sources: [{ path: other }] })).rejects.toThrow(/other\.parquet" has neither a "messages" column nor "instruction" and "output" columns \(its columns: "text"\)/);
    expect((await chat({ sources: [{ path: rows }] })).train).toHaveLength(2);
  });

  it('refuses a text or CSV file named directly in a chat dataset', async () => {
    const text = harness.file('notes.txt', 'hello');
    await expect(chat({ sources: [{ path: text }] })).rejects.toThrow(
      /notes\.txt" is read as text, but a dataset with content "chat" reads conversations from JSON Lines, JSON or Parquet records; remove it from the sources, or, if it holds such records, give it a \.jsonl, \.json or \.parquet extension/,
    );
  });

  it('skips text and CSV files a folder or glob finds in a chat dataset, with a log line', async () => {
    const record = { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] };
    jsonl('chats/a.jsonl', [record]);
    harness.file('chats/README.md', '# About these chats\n');
    harness.file('chats/sheet.csv', 'text\nhello\n');
    for (const folderOrGlob of [`${harness.inputDir}/chats`, `${harness.inputDir}/chats/*`]) {
      const corpus = await chat({ sources: [{ path: folderOrGlob }] });
      expect(parsed(corpus.train)).toEqual([record]);
      expect(corpus.stats.sources.map((source) => ('path' in source ? source.path : source.url))).toEqual(['chats/a.jsonl']);
      expect(corpus.logs.join('\n')).toMatch(/skipped 2 text or CSV\/TSV file\(s\) in ".*chats.*", e\.g\. .*README\.md, .*sheet\.csv: a chat dataset reads conversations from JSON Lines, JSON and parquet records only/);
    }
    harness.file('chat-notes/README.md', '# nothing else here\n');
    await expect(chat({ sources: [{ path: `${harness.inputDir}/chat-notes` }] })).rejects.toThrow(
      /chat-notes" has no JSON Lines, JSON or parquet files to read conversations from \(1 skipped\); point the source at the chat records, or use include globs such as \["\*\*\/\*\.jsonl"\]/,
    );
  });
});
