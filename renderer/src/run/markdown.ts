// A small Markdown reader for the reports and model cards the engine writes: headings, paragraphs, fenced code,
// pipe tables, lists, quotes and rules; inline code, bold, italic and links. It returns data, never HTML, and
// Markdown.tsx draws it with React elements, so a card's raw HTML shows as text and cannot run.

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  /** Only http(s) and mailto addresses become links; anything else stays text. */
  | { kind: 'link'; href: string; children: Inline[] };

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'code'; language: string; text: string }
  | { kind: 'table'; header: Inline[][]; rows: Inline[][][] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] }
  | { kind: 'quote'; children: Inline[] }
  | { kind: 'rule' };

const FENCE = /^(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index]!.startsWith(fence[1]!)) body.push(lines[index++]!);
      index += 1;
      blocks.push({ kind: 'code', language: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      index += 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]!.length as 1, children: parseInline(heading[2]!) });
      index += 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      blocks.push({ kind: 'rule' });
      index += 1;
      continue;
    }
    if (line.includes('|') && index + 1 < lines.length && TABLE_SEPARATOR.test(lines[index + 1]!)) {
      const header = tableCells(line);
      index += 2;
      const rows: Inline[][][] = [];
      while (index < lines.length && lines[index]!.includes('|') && lines[index]!.trim() !== '') rows.push(tableCells(lines[index++]!));
      blocks.push({ kind: 'table', header, rows });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      const items: Inline[][] = [];
      let match: RegExpExecArray | null;
      while (index < lines.length && (match = LIST_ITEM.exec(lines[index]!)) && (match[2] !== undefined) === ordered) {
        items.push(parseInline(match[3]!));
        index += 1;
      }
      blocks.push({ kind: 'list', ordered, items });
      continue;
    }
    if (line.startsWith('>')) {
      const quoted: string[] = [];
      while (index < lines.length && lines[index]!.startsWith('>')) quoted.push(lines[index++]!.replace(/^>\s?/, ''));
      blocks.push({ kind: 'quote', children: parseInline(quoted.join(' ')) });
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length && lines[index]!.trim() !== '' && !startsBlock(lines, index)) paragraph.push(lines[index++]!.trim());
    blocks.push({ kind: 'paragraph', children: parseInline(paragraph.join(' ')) });
  }
  return blocks;
}

function startsBlock(lines: readonly string[], index: number): boolean {
  const line = lines[index]!;
  return FENCE.test(line) || HEADING.test(line) || LIST_ITEM.test(line) || line.startsWith('>') || (line.includes('|') && index + 1 < lines.length && TABLE_SEPARATOR.test(lines[index + 1]!));
}

function tableCells(line: string): Inline[][] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => parseInline(cell.trim().replace(/\\\|/g, '|')));
}

/** Inline spans, left to right: `code` first (nothing inside it is read), then links, **strong** and *em*. */
export function parseInline(text: string): Inline[] {
  const spans: Inline[] = [];
  let plain = '';
  const flush = () => {
    if (plain) spans.push({ kind: 'text', text: plain });
    plain = '';
  };
  let index = 0;
  while (index < text.length) {
    const rest = text.slice(index);
    const code = /^(`+)([\s\S]*?[^`])\1(?!`)/.exec(rest);
    const link = /^\[([^\]]*)\]\(([^)\s]+)\)/.exec(rest);
    const strong = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(rest);
    const em = /^(\*|_)(?=\S)([\s\S]*?\S)\1(?!\1)/.exec(rest);
    if (code) {
      flush();
      spans.push({ kind: 'code', text: code[2]!.trim() });
      index += code[0].length;
    } else if (link && SAFE_HREF.test(link[2]!)) {
      flush();
      spans.push({ kind: 'link', href: link[2]!, children: parseInline(link[1]!) });
      index += link[0].length;
    } else if (strong) {
      flush();
      spans.push({ kind: 'strong', children: parseInline(strong[2]!) });
      index += strong[0].length;
    } else if (em && !(em[1] === '_' && /\w/.test(text[index - 1] ?? ''))) {
      flush();
      spans.push({ kind: 'em', children: parseInline(em[2]!) });
      index += em[0].length;
    } else {
      plain += text[index];
      index += 1;
    }
  }
  flush();
  return spans;
}
