// Opening and saving pipeline files in a browser: the File System Access API where the browser has it (Save
// writes back to the same file), otherwise a file input to open and a download to save.

/** The parts of the File System Access API used here (not yet in TypeScript's DOM library). */
export interface PipelineFileHandle {
  name: string;
  getFile(): Promise<File>;
  createWritable(): Promise<{ write(data: string): Promise<void>; close(): Promise<void> }>;
}

interface FilePickerWindow {
  showOpenFilePicker?: (options: object) => Promise<PipelineFileHandle[]>;
  showSaveFilePicker?: (options: object) => Promise<PipelineFileHandle>;
}

const PICKER_TYPES = [{ description: 'Crucible pipeline', accept: { 'application/json': ['.crucible.json', '.json'] } }];

export interface OpenedFile {
  text: string;
  name: string;
  handle: PipelineFileHandle | null;
}

const isCancel = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';
const pickers = () => window as unknown as FilePickerWindow;

export async function pickFileToOpen(): Promise<OpenedFile | null> {
  const { showOpenFilePicker } = pickers();
  if (showOpenFilePicker) {
    try {
      const [handle] = await showOpenFilePicker({ types: PICKER_TYPES, multiple: false });
      if (!handle) return null;
      const file = await handle.getFile();
      return { text: await file.text(), name: file.name, handle };
    } catch (error) {
      if (isCancel(error)) return null;
      throw error;
    }
  }
  const file = await chooseWithInput();
  return file ? { text: await file.text(), name: file.name, handle: null } : null;
}

function chooseWithInput(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.json,application/json';
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true });
    input.addEventListener('cancel', () => resolve(null), { once: true });
    input.click();
  });
}

export interface SavedFile {
  name: string;
  handle: PipelineFileHandle | null;
}

/** Writes to `handle` when given, else asks where; without the API the file is downloaded. Null when cancelled. */
export async function writeFile(text: string, suggestedName: string, handle: PipelineFileHandle | null): Promise<SavedFile | null> {
  const { showSaveFilePicker } = pickers();
  try {
    const target = handle ?? (showSaveFilePicker ? await showSaveFilePicker({ suggestedName, types: PICKER_TYPES }) : null);
    if (!target) {
      download(text, suggestedName);
      return { name: suggestedName, handle: null };
    }
    const writable = await target.createWritable();
    await writable.write(text);
    await writable.close();
    return { name: target.name, handle: target };
  } catch (error) {
    if (isCancel(error)) return null;
    throw error;
  }
}

function download(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function suggestedFileName(pipelineName: string): string {
  const stem = pipelineName.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'pipeline';
  return `${stem}.crucible.json`;
}
