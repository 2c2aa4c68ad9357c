// Keyboard shortcuts as data: "mod" is Ctrl, or Cmd on macOS. Matching is pure so it is tested without a browser.

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Does `press` match a shortcut like "mod+shift+z", "delete" or "shift+1"? */
export function matchesShortcut(press: KeyPress, shortcut: string, isMac: boolean): boolean {
  const parts = shortcut.toLowerCase().split('+');
  const key = parts.pop()!;
  const wants = new Set(parts);
  const mod = isMac ? press.metaKey : press.ctrlKey;
  const otherMod = isMac ? press.ctrlKey : press.metaKey;
  if (wants.has('mod') !== mod || otherMod || wants.has('alt') !== press.altKey) return false;
  const pressed = press.key.toLowerCase();
  // Shifted digits and symbols report their shifted character ("!" for shift+1); compare by the code's digit too.
  if (wants.has('shift') !== press.shiftKey) return false;
  return pressed === key || (key === 'delete' && pressed === 'del') || (press.shiftKey && SHIFTED_DIGITS[pressed] === key);
}

const SHIFTED_DIGITS: Record<string, string> = { '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0' };

export function shortcutLabel(shortcut: string, isMac: boolean): string {
  return shortcut
    .split('+')
    .map((part) => (part === 'mod' ? (isMac ? '⌘' : 'Ctrl') : part === 'shift' ? (isMac ? '⇧' : 'Shift') : part.length === 1 ? part.toUpperCase() : part[0]!.toUpperCase() + part.slice(1)))
    .join(isMac ? '' : '+');
}

/** Typing in a field keeps its own keys (undo in a text box undoes text, not the graph). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}
