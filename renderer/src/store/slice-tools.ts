// What every slice's actions share: the zustand set/get pair typed for the whole store, and `commitDoc`, the one
// way an edit changes the pipeline (so every edit is undoable).
import type { StoreApi } from 'zustand';
import type { Pipeline } from '../../../app/pipeline/schema.ts';
import { recordEdit } from './history.ts';
import type { StudioState } from './studio-state.ts';

export type SetState = StoreApi<StudioState>['setState'];
export type GetState = StoreApi<StudioState>['getState'];

export interface CommitOptions {
  /** Consecutive edits with the same key form one undo step (typing in a field, one drag). */
  coalesceKey?: string;
  /** Other state to change in the same update, e.g. the new selection. */
  also?: Partial<StudioState>;
}

export function commitDoc(set: SetState, get: GetState, next: Pipeline, options: CommitOptions = {}): void {
  const { doc, history } = get();
  if (next === doc) return;
  set({ ...options.also, doc: next, history: recordEdit(history, doc, options.coalesceKey ?? null) });
}

export function nodeIdsOf(pipeline: Pipeline): Set<string> {
  return new Set(pipeline.nodes.map((node) => node.id));
}
