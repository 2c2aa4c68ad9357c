// What the studio's previews ask the engine and get back: folder listings for path completion, an output's files and
// one file's text, and a view per artifact type (a corpus's documents and counts, a tokenizer's vocabulary and most
// frequent tokens, a model's facts and card, an evaluation's report), plus typed text split into tokens.
import { z } from 'zod';
import type { CorpusStats } from '../artifacts/corpus-layout.ts';
import type { ArtifactFact } from './run-events.ts';

/** GET query of ROUTES.folderEntries: a folder (absolute, `~`, or relative to the pipeline file's folder). */
export const folderQuerySchema = z.object({
  path: z.string().max(4096).default(''),
  /** The pipeline file, so relative paths resolve as the dataset node resolves them; absent for an unsaved one. */
  pipelinePath: z.string().min(1).max(4096).optional(),
});

export interface FolderEntry {
  name: string;
  kind: 'file' | 'folder';
  bytes?: number;
  /** The dataset format "auto" reads this file as, from its extension; null when it cannot tell. */
  format?: string | null;
}

export interface FolderListing {
  /** The folder listed, absolute. */
  folder: string;
  /** Folders first, then files, each by name; entries that look like secrets are left out. */
  entries: FolderEntry[];
  /** More entries than the listing holds. */
  truncated: boolean;
  /** Secret-looking entries left out (never offered). */
  hidden: number;
}

export interface OutputFile {
  /** Relative to the output's folder, with `/`. */
  name: string;
  bytes: number;
}

export interface OutputFiles {
  folder: string;
  files: OutputFile[];
  totalBytes: number;
  truncated: boolean;
}

export const outputFileQuerySchema = z.object({ name: z.string().min(1).max(1024) });

export interface OutputFileText {
  name: string;
  bytes: number;
  /** json: parsed and pretty-printed; text: as UTF-8; binary: no text (the file holds NUL bytes or is not UTF-8). */
  kind: 'text' | 'json' | 'markdown' | 'binary';
  text: string;
  /** Only the first bytes were read. */
  truncated: boolean;
}

export interface LengthHistogram {
  /** Lower edge of each bin, in UTF-8 bytes (the corpus index's unit); the last bin is open above. */
  edges: number[];
  counts: number[];
}

export interface CorpusPreview {
  kind: 'corpus';
  stats: CorpusStats;
  /** The first train documents, each cut to a few hundred characters. */
  samples: { text: string; characters: number; cut: boolean }[];
  histogram: LengthHistogram;
}

export interface TokensPreview {
  kind: 'tokens';
  vocabSize: number;
  tokenizerKind: string;
  trainTokens: number;
  valTokens: number;
  /** Over the counted prefix of the train split. */
  tokensPerCharacter: number | null;
  topTokens: { id: number; token: string; count: number }[];
  /** How many train tokens the counts cover. */
  tokensCounted: number;
}

export interface TokenizerPreview {
  kind: 'tokenizer';
  vocabSize: number;
  tokenizerKind: string;
  specialTokens: string[];
}

export interface ModelPreview {
  kind: 'model';
  facts: ArtifactFact[];
  /** README.md, the model card; null when the folder has none. */
  card: string | null;
}

export interface ReportPreview {
  kind: 'report';
  markdown: string;
}

/** Outputs of other types have only their files. */
export interface FilesOnlyPreview {
  kind: 'files';
}

/** Artifact types with a view of their own (ROUTES.outputPreview); an output of another type has only its files. */
export const PREVIEWED_TYPES = ['Corpus', 'Tokens', 'Tokenizer', 'Model', 'Report'] as const;
export type PreviewedType = (typeof PREVIEWED_TYPES)[number];

export function isPreviewedType(type: string): type is PreviewedType {
  return (PREVIEWED_TYPES as readonly string[]).includes(type);
}

export type OutputPreview = CorpusPreview | TokensPreview | TokenizerPreview | ModelPreview | ReportPreview | FilesOnlyPreview;

export const tokenizeRequestSchema = z.strictObject({ text: z.string().max(20_000) });

export interface TokenizedText {
  /** Each token's id and the text it stands for (a byte-level piece that is not whole UTF-8 shows as U+FFFD). */
  tokens: { id: number; text: string }[];
  characters: number;
}
