// Loads one thing from the engine for a view: loading, the answer, or the engine's error message. A newer request
// replaces an older one, and an answer arriving after the view is gone is dropped.
import { useEffect, useState } from 'react';
import type { EngineApi } from '../api/engine-client.ts';
import { useStudio } from '../store/store-context.tsx';

export type QueryState<T> = { status: 'loading' } | { status: 'failed'; message: string } | { status: 'done'; value: T };

/** `key` names the request: the query runs again when it changes. */
export function useEngineQuery<T>(key: string, load: (engine: EngineApi) => Promise<T>): QueryState<T> {
  const engine = useStudio((state) => state.engine);
  const [state, setState] = useState<{ key: string; query: QueryState<T> }>({ key: '', query: { status: 'loading' } });
  useEffect(() => {
    if (!engine) return;
    let current = true;
    setState({ key, query: { status: 'loading' } });
    load(engine).then(
      (value) => current && setState({ key, query: { status: 'done', value } }),
      (error: unknown) => current && setState({ key, query: { status: 'failed', message: error instanceof Error ? error.message : String(error) } }),
    );
    return () => {
      current = false;
    };
    // `load` is a new closure each render; `key` stands for what it asks.
  }, [engine, key]);
  if (!engine) return { status: 'failed', message: 'not connected to the engine' };
  return state.key === key ? state.query : { status: 'loading' };
}
