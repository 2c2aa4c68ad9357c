// History › Open puts the run's graph on the canvas; with unsaved changes on it, the user is asked first.
import { useCallback } from 'react';
import { selectDirty } from '../store/selectors.ts';
import { useStudioStore } from '../store/store-context.tsx';

export function useOpenPastRun(): (runId: string) => void {
  const store = useStudioStore();
  return useCallback(
    (runId: string) => {
      const state = store.getState();
      const question = 'Open this run? The canvas will show the graph the run ran; unsaved changes to the current pipeline are replaced unless it is that graph.';
      if (selectDirty(state) && !window.confirm(question)) return;
      void state.openPastRun(runId);
    },
    [store],
  );
}
