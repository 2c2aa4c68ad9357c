// New, Open, Open Recent, Save and Save As through the desktop app's native dialogs. Main writes only to files the
// user opened or picked; the file's absolute path is kept so runs resolve the pipeline's relative paths.
import type { DesktopApi, OpenedPipeline } from '../../../app/protocol/desktop-ipc.ts';
import type { FileCommands } from '../files/file-commands.ts';
import { suggestedFileName } from '../files/file-access.ts';
import { selectDirty } from '../store/selectors.ts';
import type { StudioStore } from '../store/studio-store.ts';
import { baseName } from './desktop-api.ts';

type FileApi = Pick<DesktopApi, 'openPipelineDialog' | 'openRecentPipeline' | 'savePipeline'>;

export function createDesktopFileCommands(store: StudioStore, api: FileApi, confirm: (question: string) => boolean = (question) => window.confirm(question)): FileCommands {
  const mayDiscard = () => !selectDirty(store.getState()) || confirm('Discard the unsaved changes to this pipeline?');
  const report = (what: string, error: unknown) => store.getState().notify('error', `Cannot ${what}: ${(error as Error).message}`);
  const openOpened = (opened: OpenedPipeline | null) => {
    if (opened) store.getState().openText(opened.text, baseName(opened.path), opened.path);
  };

  const save = async (saveAs: boolean) => {
    const state = store.getState();
    const result = state.saveText({ asNewFile: saveAs });
    if (!result.ok) return state.notify('error', `Cannot save: ${result.message}`);
    const path = state.attention?.blocking ? null : state.filePath;
    try {
      const saved = await api.savePipeline({ path, text: result.text, saveAs, suggestedName: state.fileName ?? suggestedFileName(result.doc.name) });
      if (saved) store.getState().markSaved(baseName(saved.path), result.doc, saved.path);
    } catch (error) {
      report(`save ${state.fileName ?? 'the pipeline'}`, error);
    }
  };

  return {
    newPipeline() {
      if (mayDiscard()) store.getState().newPipeline();
    },
    async open() {
      if (!mayDiscard()) return;
      await api.openPipelineDialog().then(openOpened, (error) => report('open the file', error));
    },
    async openRecent(path) {
      if (!mayDiscard()) return;
      await api.openRecentPipeline({ path }).then(openOpened, (error) => report(`open ${path}`, error));
    },
    openFromOutside(opened) {
      if (mayDiscard()) openOpened(opened);
    },
    save: () => save(false),
    saveAs: () => save(true),
  };
}
