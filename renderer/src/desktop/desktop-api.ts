// The desktop app's preload API (`window.crucibleDesktop`, contract in app/protocol/desktop-ipc.ts), or null in a
// plain browser. Everything desktop-only in the renderer starts from here.
import { DESKTOP_API_GLOBAL, type DesktopApi } from '../../../app/protocol/desktop-ipc.ts';

export function getDesktopApi(): DesktopApi | null {
  const api = (globalThis as Record<string, unknown>)[DESKTOP_API_GLOBAL];
  return api !== null && typeof api === 'object' ? (api as DesktopApi) : null;
}

export function baseName(filePath: string): string {
  return filePath.split(/[\\/]/).pop() || filePath;
}
