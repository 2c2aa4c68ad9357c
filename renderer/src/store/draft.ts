// The draft: the document being edited, kept outside the page so a reload or a crash loses nothing. What it holds
// (the pipeline, its file name and path, whether it was unsaved, the run shown), how it is read back and checked,
// and how a store is put back in that state. Where it is kept is draft-storage.ts.
import { z } from 'zod';
import { readPipelineJson } from '../../../app/pipeline/document.ts';
import { selectDirty } from './selectors.ts';
import type { StudioState } from './studio-state.ts';
import type { StudioStore } from './studio-store.ts';

export const DRAFT_VERSION = 1;

const draftSchema = z.object({
  version: z.literal(DRAFT_VERSION),
  savedAt: z.string(),
  /** Checked as a pipeline file on restore (migrations included), like any file the studio opens. */
  pipeline: z.unknown(),
  fileName: z.string().max(1000).nullable(),
  filePath: z.string().max(4096).nullable(),
  /** True when the document had changes not written to its file. */
  unsaved: z.boolean(),
  /** The run the canvas showed: it re-attaches when the engine's stream reports it (or is read from the store). */
  shownRunId: z.string().max(200).nullable(),
});

export type Draft = z.output<typeof draftSchema>;

export function draftOf(state: StudioState, now = new Date()): Draft {
  return { version: DRAFT_VERSION, savedAt: now.toISOString(), pipeline: state.doc, fileName: state.fileName, filePath: state.filePath, unsaved: selectDirty(state), shownRunId: state.shownRunId };
}

/** What a draft records; two states with the same key need no new write. */
export function draftKeyOf(state: StudioState): readonly unknown[] {
  return [state.doc, state.fileName, state.filePath, selectDirty(state), state.shownRunId];
}

export type DraftReading = { ok: true; draft: Draft } | { ok: false; message: string };

export function parseDraft(text: string): DraftReading {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `it is not JSON (${(error as Error).message})` };
  }
  const parsed = draftSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, message: `it is not a draft this studio writes (${parsed.error.issues[0]?.message ?? 'wrong shape'})` };
  return { ok: true, draft: parsed.data };
}

/**
 * Puts the draft's document on the canvas, with its file, its unsaved state and its shown run. A pipeline that no
 * longer reads (a newer format, a broken draft) is not restored; the message says why.
 */
export function restoreDraft(store: StudioStore, draft: Draft): { ok: true } | { ok: false; message: string } {
  const state = store.getState();
  const read = readPipelineJson(draft.pipeline, state.registry);
  if (!read.pipeline) return { ok: false, message: read.problems.map((problem) => problem.message).join('; ') || 'its pipeline could not be read' };
  state.openJson(draft.pipeline, draft.fileName);
  const doc = store.getState().doc;
  store.setState({ filePath: draft.filePath, savedDoc: draft.unsaved ? null : doc, shownRunId: draft.shownRunId });
  return { ok: true };
}
