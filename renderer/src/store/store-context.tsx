// Hands the one studio store to components. Components read narrow slices with `useStudio(selector)` and call
// actions; they never keep their own copy of the document.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StudioStore } from './studio-store.ts';
import type { StudioState } from './studio-state.ts';

const StudioStoreContext = createContext<StudioStore | null>(null);

export function StudioStoreProvider({ store, children }: { store: StudioStore; children: ReactNode }) {
  return <StudioStoreContext.Provider value={store}>{children}</StudioStoreContext.Provider>;
}

export function useStudioStore(): StudioStore {
  const store = useContext(StudioStoreContext);
  if (!store) throw new Error('useStudioStore: no studio store; wrap the component in <StudioStoreProvider store={...}>');
  return store;
}

export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(useStudioStore(), selector);
}
