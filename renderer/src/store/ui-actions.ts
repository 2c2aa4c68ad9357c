// Store actions for UI state that is not the document: notices (e.g. why a connection was refused), the theme and
// the bottom panel. Persisting the theme is the component's job; the store only holds it.
import type { GetState, SetState } from './slice-tools.ts';
import type { UiSlice } from './studio-state.ts';

type UiActions = Pick<UiSlice, 'notify' | 'dismissNotice' | 'showOverlay' | 'closeOverlay' | 'setTheme' | 'toggleTheme' | 'showBottomTab' | 'toggleBottomPanel'>;

export function createUiActions(set: SetState, get: GetState): UiActions {
  let noticeNumber = 0;
  return {
    notify(kind, message) {
      set({ notice: { id: ++noticeNumber, kind, message } });
    },
    dismissNotice() {
      set({ notice: null });
    },
    showOverlay(overlay) {
      set({ overlay });
    },
    closeOverlay() {
      set({ overlay: null });
    },
    setTheme(theme) {
      set({ theme });
    },
    toggleTheme() {
      set({ theme: get().theme === 'dark' ? 'light' : 'dark' });
    },
    showBottomTab(tab) {
      set({ bottomTab: tab, bottomOpen: true });
    },
    toggleBottomPanel() {
      set({ bottomOpen: !get().bottomOpen });
    },
  };
}
