// Picks the preview of a node output by its artifact type. Types without a view of their own answer "files", and
// the studio shows their file list only.
import type { OutputPreview } from '../../app/protocol/preview-api.ts';
import type { ArtifactSummary } from '../../app/protocol/run-events.ts';
import { corpusPreview } from './corpus-preview.ts';
import { modelPreview } from './model-preview.ts';
import { readOutputFileText } from './output-files.ts';
import { tokenizerPreview, tokensPreview } from './tokenizer-preview.ts';

/** Artifact types whose text can be split into tokens by ROUTES.outputTokenize. */
export const TOKENIZING_TYPES: ReadonlySet<string> = new Set(['Tokenizer', 'Tokens']);

export async function outputPreview(artifact: Pick<ArtifactSummary, 'type' | 'path' | 'facts'>): Promise<OutputPreview> {
  switch (artifact.type) {
    case 'Corpus':
      return corpusPreview(artifact.path);
    case 'Tokens':
      return tokensPreview(artifact.path);
    case 'Tokenizer':
      return tokenizerPreview(artifact.path);
    case 'Model':
      return modelPreview(artifact.path, artifact.facts);
    case 'Report':
      return { kind: 'report', markdown: (await readOutputFileText(artifact.path, 'report.md')).text };
    default:
      return { kind: 'files' };
  }
}
