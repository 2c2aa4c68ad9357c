// Incremental Server-Sent Events parsing for streams read with fetch (EventSource cannot send the token header).
// Feed it text chunks as they arrive; it returns each complete message's data, ignoring `: ping` comments.

export class SseParser {
  #buffer = '';

  /** Returns the `data` of every message completed by this chunk, in order. */
  push(chunk: string): string[] {
    this.#buffer += chunk.replace(/\r\n?/g, '\n');
    const messages: string[] = [];
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = dataOf(block);
      if (data !== null) messages.push(data);
      end = this.#buffer.indexOf('\n\n');
    }
    return messages;
  }
}

function dataOf(block: string): string | null {
  const lines: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    if (line === 'data') lines.push('');
    else if (line.startsWith('data:')) lines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return lines.length === 0 ? null : lines.join('\n');
}
