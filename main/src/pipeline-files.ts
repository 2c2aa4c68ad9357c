// Opening and saving pipeline files for the window. The renderer never names a file freely: it may write only to
// files the user picked in a dialog, opened from the OS or the recent list, so a compromised page cannot write
// anywhere else on disk.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  MAX_PIPELINE_TEXT_BYTES,
  PIPELINE_FILE_EXTENSION,
  type OpenedPipeline,
  type ParsedInvokeRequest,
} from '../../app/protocol/desktop-ipc.ts';
import { writeFileAtomicallyAsync } from './atomic-write.ts';
import type { RecentFiles } from './recent-files.ts';

export interface FileDialogs {
  /** Resolves with the chosen pipeline file, or null when cancelled. */
  choosePipelineToOpen(): Promise<string | null>;
  choosePipelineToSave(suggestedName: string): Promise<string | null>;
  /**
   * Whether to replace `file`, which exists: the dialog returned a name without the pipeline extension ("experiment"
   * or "experiment.json"), so its own overwrite prompt never saw the file the extension makes of it.
   */
  confirmReplace(file: string): Promise<boolean>;
}

export class PipelineFiles {
  private readonly granted = new Set<string>();

  constructor(
    private readonly recent: RecentFiles,
    private readonly dialogs: FileDialogs,
  ) {}

  async openWithDialog(): Promise<OpenedPipeline | null> {
    const chosen = await this.dialogs.choosePipelineToOpen();
    return chosen ? this.open(chosen) : null;
  }

  async openRecent(file: string): Promise<OpenedPipeline> {
    if (!this.recent.has(file)) throw new Error(`"${file}" is not in the recent files; open it with File › Open… instead`);
    try {
      return await this.open(file);
    } catch (error) {
      this.recent.remove(file);
      throw error;
    }
  }

  /** A file the user opened from outside the window: the command line, a double-click, a second launch. */
  openFromOs(file: string): Promise<OpenedPipeline> {
    return this.open(file);
  }

  /**
   * The absolute path the window may save `file` to without a dialog (the user opened or picked it in this session),
   * or null. Record this form, never `file` itself: a relative path names another file from another working folder.
   */
  grantedPath(file: string): string | null {
    const absolute = path.resolve(file);
    return this.granted.has(absolute) ? absolute : null;
  }

  /**
   * Lets the window save to `file` again without a dialog. Only for a path main recorded itself from grantedPath
   * (the restored draft's file, see desktop-handlers.ts): never for a path the renderer names. A relative path was
   * not recorded that way and grants nothing.
   */
  regrant(file: string): void {
    if (path.isAbsolute(file)) this.granted.add(path.normalize(file));
  }

  /** The save under way per file: a second save of one file waits for the first, so they never interleave. */
  private readonly saving = new Map<string, Promise<unknown>>();

  async save(request: ParsedInvokeRequest<'savePipeline'>): Promise<{ path: string } | null> {
    let target = request.path && !request.saveAs ? path.resolve(request.path) : null;
    if (target && !this.granted.has(target)) {
      throw new Error(`saving to "${target}" was refused: the app did not open that file; use File › Save As… to choose where to save`);
    }
    if (!target) {
      const suggested = request.suggestedName ?? (request.path ? path.basename(request.path) : `untitled${PIPELINE_FILE_EXTENSION}`);
      const chosen = await this.dialogs.choosePipelineToSave(suggested);
      if (!chosen) return null;
      target = withPipelineExtension(path.resolve(chosen));
      if (target !== path.resolve(chosen) && existsSync(target) && !(await this.dialogs.confirmReplace(target))) return null;
    }
    await this.writeInTurn(target, request.text);
    this.remember(target);
    return { path: target };
  }

  private async writeInTurn(file: string, text: string): Promise<void> {
    const previous = this.saving.get(file) ?? Promise.resolve();
    const write = previous.catch(() => undefined).then(() => writeFileAtomicallyAsync(file, text));
    this.saving.set(file, write);
    try {
      await write;
    } finally {
      if (this.saving.get(file) === write) this.saving.delete(file);
    }
  }

  private async open(file: string): Promise<OpenedPipeline> {
    const absolute = path.resolve(file);
    const info = await stat(absolute).catch(() => null);
    if (!info?.isFile()) throw new Error(`cannot open "${absolute}": no such file`);
    if (info.size > MAX_PIPELINE_TEXT_BYTES) {
      throw new Error(`cannot open "${absolute}": ${info.size} bytes is more than a pipeline file may hold (${MAX_PIPELINE_TEXT_BYTES})`);
    }
    const text = await readFile(absolute, 'utf8');
    this.remember(absolute);
    return { path: absolute, text };
  }

  private remember(file: string): void {
    this.granted.add(file);
    this.recent.add(file);
  }
}

export function withPipelineExtension(file: string): string {
  if (file.toLowerCase().endsWith(PIPELINE_FILE_EXTENSION)) return file;
  return `${file.replace(/\.json$/i, '')}${PIPELINE_FILE_EXTENSION}`;
}
