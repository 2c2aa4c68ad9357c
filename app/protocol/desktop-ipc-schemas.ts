// The zod schemas of the desktop IPC requests (channels in desktop-ipc.ts). Kept apart so the preload, which needs
// only the channel names, does not carry zod; main/ validates every request with these on receipt.
import { z } from 'zod';
import { MAX_PIPELINE_TEXT_BYTES, MENU_COMMANDS, type InvokeName, type SyncName } from './desktop-ipc.ts';

const MAX_PATH_CHARS = 4096;
const filePath = z.string().min(1).max(MAX_PATH_CHARS);
const noRequest = z.undefined();

export const menuCommandSchema = z.union([
  z.strictObject({ command: z.enum(MENU_COMMANDS) }),
  /** File › Open Recent › <path>: the renderer asks about unsaved changes, then calls `openRecentPipeline`. */
  z.strictObject({ command: z.literal('file.openRecent'), path: filePath }),
]);

export const savePipelineRequestSchema = z.strictObject({
  /** The file this document was opened from or last saved to; null for a new document (a save dialog opens). */
  path: filePath.nullable(),
  text: z.string().max(MAX_PIPELINE_TEXT_BYTES),
  /** Always ask for the path, as File › Save As… does. */
  saveAs: z.boolean().default(false),
  suggestedName: z.string().min(1).max(255).optional(),
});

export const pickPathRequestSchema = z.strictObject({
  kind: z.enum(['file', 'directory']),
  title: z.string().max(200).optional(),
  filters: z.array(z.strictObject({ name: z.string().max(100), extensions: z.array(z.string().max(20)).max(20) })).max(20).optional(),
});

export const documentStateSchema = z.strictObject({
  /** Shown in the window title. */
  title: z.string().max(300),
  path: filePath.nullable(),
  /** Unsaved changes: closing the window asks first. */
  dirty: z.boolean(),
});

export const readLogsRequestSchema = z
  .strictObject({ maxBytes: z.number().int().min(1).max(4 * 1024 * 1024).default(256 * 1024) })
  .optional();

export const revealFolderRequestSchema = z.strictObject({
  /** The folder to show; main checks it is absolute and where it may be. */
  path: filePath.refine((text) => !text.includes('\0'), 'must not contain a NUL character'),
  /** For an artifact's copy (an export's outDir): the artifact folder whose record names `path` as its copy. */
  copyOf: filePath.optional(),
});

export const writeDraftRequestSchema = z.strictObject({
  text: z.string().max(MAX_PIPELINE_TEXT_BYTES),
  /** The pipeline file the draft's document was opened from or saved to (the draft's filePath), null for none.
   * Main records it with the draft only when the window may save to it, so it may be saved again after a restart. */
  path: filePath.nullable(),
});

export const INVOKE_REQUEST_SCHEMAS = {
  openPipelineDialog: noRequest,
  openRecentPipeline: z.strictObject({ path: filePath }),
  savePipeline: savePipelineRequestSchema,
  listRecentFiles: noRequest,
  clearRecentFiles: noRequest,
  pickPath: pickPathRequestSchema,
  setDocumentState: documentStateSchema,
  getEngineConnection: noRequest,
  getEngineStatus: noRequest,
  getAppVersion: noRequest,
  readLogs: readLogsRequestSchema,
  revealLogs: noRequest,
  revealFolder: revealFolderRequestSchema,
  windowReady: noRequest,
  readDraft: noRequest,
  writeDraft: writeDraftRequestSchema,
} as const satisfies Record<InvokeName, z.ZodType>;

export const SYNC_REQUEST_SCHEMAS = {
  writeDraftNow: writeDraftRequestSchema,
} as const satisfies Record<SyncName, z.ZodType>;
