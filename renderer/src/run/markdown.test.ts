import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown.ts';

describe('parseMarkdown', () => {
  it('reads a report as the evaluate node writes it: heading, paragraph with code, the metrics table and each sample as code', () => {
    const text = [
      '# Evaluation',
      '',
      'Model: `abc123`, scored through `onnx/model.onnx` (float32)',
      '',
      '| metric | value |',
      '| --- | --- |',
      ...['val loss | 1.5000', 'perplexity | 4.4800', 'bits per token | 2.1600', 'bits per character | 2.1000', 'bits per byte | n/a (no tokenizer)', 'tokens scored | 128'].map((row) => `| ${row} |`),
      '',
      '## Sample 1 (6 tokens)',
      '',
      '```text',
      '',
      'ROMEO:',
      '<b>hi</b>',
      '```',
    ].join('\n');
    const blocks = parseMarkdown(text);
    expect(blocks.map((block) => block.kind)).toEqual(['heading', 'paragraph', 'table', 'heading', 'code']);
    const table = blocks[2] as Extract<(typeof blocks)[number], { kind: 'table' }>;
    expect(table.header).toEqual([[{ kind: 'text', text: 'metric' }], [{ kind: 'text', text: 'value' }]]);
    expect(table.rows.map((row) => (row[0]![0] as { text: string }).text)).toEqual(['val loss', 'perplexity', 'bits per token', 'bits per character', 'bits per byte', 'tokens scored']);
    expect(table.rows[1]![1]).toEqual([{ kind: 'text', text: '4.4800' }]);
    expect(blocks[4]).toEqual({ kind: 'code', language: 'text', text: '\nROMEO:\n<b>hi</b>' });
  });

  it('keeps raw HTML as text and refuses links that are not http(s) or mailto', () => {
    expect(parseMarkdown('<script>alert(1)</script>')).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '<script>alert(1)</script>' }] }]);
    expect(parseInline('[x](javascript:alert(1))')).toEqual([{ kind: 'text', text: '[x](javascript:alert(1))' }]);
    expect(parseInline('see [the card](https://example.com/a)')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', href: 'https://example.com/a', children: [{ kind: 'text', text: 'the card' }] },
    ]);
  });

  it('reads lists, quotes, rules, and bold, italic and code spans without reading inside code', () => {
    expect(parseMarkdown('- a\n- **b**\n\n1. one\n2. two\n\n> note\n\n---')).toEqual([
      { kind: 'list', ordered: false, items: [[{ kind: 'text', text: 'a' }], [{ kind: 'strong', children: [{ kind: 'text', text: 'b' }] }]] },
      { kind: 'list', ordered: true, items: [[{ kind: 'text', text: 'one' }], [{ kind: 'text', text: 'two' }]] },
      { kind: 'quote', children: [{ kind: 'text', text: 'note' }] },
      { kind: 'rule' },
    ]);
    expect(parseInline('`**x**` and *y* and snake_case_name')).toEqual([
      { kind: 'code', text: '**x**' },
      { kind: 'text', text: ' and ' },
      { kind: 'em', children: [{ kind: 'text', text: 'y' }] },
      { kind: 'text', text: ' and snake_case_name' },
    ]);
  });
});
