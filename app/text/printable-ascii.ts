// Quoting untrusted file content in an error message: only printable ASCII reaches the user, so a damaged or binary
// file never puts raw bytes (or terminal control sequences) into a log line.

/** `text` with every character outside printable ASCII shown as "?", cut to `maxChars` (with "…" when cut). */
export function printableAscii(text: string, maxChars: number): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length <= maxChars ? printable : `${printable.slice(0, maxChars)}…`;
}

/** How much of the start of a text decides whether it is binary. */
const BINARY_PROBE_CHARS = 4096;

/**
 * Whether text read from a file is really binary data: bytes that are not UTF-8 decode to U+FFFD, and control
 * characters other than tabs and line breaks do not occur in text files.
 */
export function looksBinary(text: string): boolean {
  return /[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text.slice(0, BINARY_PROBE_CHARS));
}
