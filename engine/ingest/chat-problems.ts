// Chat records that are not conversations, counted like a compiler counts errors: reading goes on through every
// file, then the dataset fails with the first problem and how many records had one, so one run shows the extent.
import { ChatRecordError, chatRecordDocument } from './readers/chat-record.ts';
import { recordText } from './readers/record-text.ts';
import type { UnicodeNormalization } from './text-cleaning.ts';

export class ChatRecordProblems {
  private first: string | null = null;
  private count = 0;

  /** The record's conversation document, or null (counted) when it is not one. Other errors propagate. */
  document(record: unknown, where: string, normalization: UnicodeNormalization): string | null {
    try {
      return chatRecordDocument(record, where, normalization);
    } catch (error) {
      if (!(error instanceof ChatRecordError)) throw error;
      this.first ??= error.message;
      this.count++;
      return null;
    }
  }

  /** Throws when any record was refused: the first message and the count. */
  throwIfAny(): void {
    if (this.first === null) return;
    const more = this.count > 1 ? ` (and ${this.count - 1} more record(s) with problems: ${this.count} in all; the first is shown)` : '';
    throw new Error(`${this.first}${more}; fix the records or remove them from the dataset's sources`);
  }
}

/** The ReaderContext.recordDocument of a dataset: a text field, or a conversation for `content: "chat"`. */
export function recordDocumentFor(content: 'text' | 'chat', textField: string, normalization: UnicodeNormalization, problems: ChatRecordProblems): (record: unknown, where: string) => string | null {
  if (content === 'chat') return (record, where) => problems.document(record, where, normalization);
  return (record, where) => recordText(record, textField, where, normalization);
}
