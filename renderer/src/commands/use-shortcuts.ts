// Wires the command table to the keyboard, and copy/cut/paste to the browser's clipboard events (so nodes copy
// between tabs without a permission prompt). Keys typed into form fields are left to the field.
import { useEffect } from 'react';
import { MENU_OWNED_COMMANDS } from '../desktop/menu-commands.ts';
import { subgraphFromClipboardText, subgraphToClipboardText } from '../graph/subgraph.ts';
import { COMMANDS, type CommandContext } from './commands.ts';
import { isTypingTarget, matchesShortcut } from './shortcuts.ts';

const isMac = () => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export function useShortcuts(context: CommandContext): void {
  useEffect(() => {
    const mac = isMac();
    const onKeyDown = (event: KeyboardEvent) => {
      const command = COMMANDS.find((candidate) => candidate.keys.some((keys) => matchesShortcut(event, keys, mac)));
      // In the desktop app the native menu owns these keys and sends the command itself.
      if (!command || (context.desktop && MENU_OWNED_COMMANDS.has(command.id))) return;
      // While typing, only file and run commands act; undo, delete and select-all belong to the text field.
      if (isTypingTarget(event.target) && !/^(file|run)\./.test(command.id)) return;
      event.preventDefault();
      command.perform(context);
    };
    const onCopy = (event: ClipboardEvent, cut: boolean) => {
      if (isTypingTarget(event.target) || !event.clipboardData) return;
      const state = context.store.getState();
      const copied = cut ? state.cutSelection() : state.copySelection();
      if (!copied) return;
      event.clipboardData.setData('text/plain', subgraphToClipboardText(copied));
      event.preventDefault();
    };
    const onPaste = (event: ClipboardEvent) => {
      if (isTypingTarget(event.target)) return;
      const fromClipboard = subgraphFromClipboardText(event.clipboardData?.getData('text/plain') ?? '');
      event.preventDefault();
      context.store.getState().paste(fromClipboard ?? undefined);
    };
    const copy = (event: ClipboardEvent) => onCopy(event, false);
    const cut = (event: ClipboardEvent) => onCopy(event, true);
    window.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', copy);
    document.addEventListener('cut', cut);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', copy);
      document.removeEventListener('cut', cut);
      document.removeEventListener('paste', onPaste);
    };
  }, [context]);
}
