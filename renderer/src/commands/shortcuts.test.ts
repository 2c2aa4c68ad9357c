// Shortcut matching: "mod" is Ctrl off macOS and Cmd on it, modifiers must match exactly, shifted digits match
// their digit; and no two commands share a shortcut.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.ts';
import { matchesShortcut, shortcutLabel, type KeyPress } from './shortcuts.ts';

const press = (key: string, modifiers: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...modifiers });

describe('matchesShortcut', () => {
  it('reads mod as Ctrl off macOS and as Cmd on it', () => {
    expect(matchesShortcut(press('z', { ctrlKey: true }), 'mod+z', false)).toBe(true);
    expect(matchesShortcut(press('z', { metaKey: true }), 'mod+z', false)).toBe(false);
    expect(matchesShortcut(press('z', { metaKey: true }), 'mod+z', true)).toBe(true);
  });

  it('needs the exact modifiers, so undo and redo do not overlap', () => {
    expect(matchesShortcut(press('Z', { ctrlKey: true, shiftKey: true }), 'mod+z', false)).toBe(false);
    expect(matchesShortcut(press('Z', { ctrlKey: true, shiftKey: true }), 'mod+shift+z', false)).toBe(true);
    expect(matchesShortcut(press('Delete'), 'delete', false)).toBe(true);
  });

  it('matches shifted digits by their digit', () => {
    expect(matchesShortcut(press('!', { shiftKey: true }), 'shift+1', false)).toBe(true);
  });

  it('labels shortcuts per platform', () => {
    expect(shortcutLabel('mod+shift+z', false)).toBe('Ctrl+Shift+Z');
    expect(shortcutLabel('mod+shift+z', true)).toBe('⌘⇧Z');
  });
});

describe('COMMANDS', () => {
  it('gives every shortcut to one command only', () => {
    const keys = COMMANDS.flatMap((command) => command.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
