// @vitest-environment jsdom
// Native menu commands reach the studio's commands: every menu entry maps to a command that exists, edit commands
// leave text fields alone, and Open Recent opens the chosen path.
import { describe, expect, it, vi } from 'vitest';
import { MENU_COMMANDS } from '../../../app/protocol/desktop-ipc.ts';
import { commandById, type CommandContext } from '../commands/commands.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { MENU_TO_COMMAND, runMenuCommand } from './menu-commands.ts';

function context(): CommandContext {
  const files = { newPipeline: vi.fn(), open: vi.fn(), openRecent: vi.fn(async () => undefined), save: vi.fn(), saveAs: vi.fn() };
  return { store: createTestStore(), files, view: { fitView: vi.fn(), zoomIn: vi.fn(), zoomOut: vi.fn(), zoomReset: vi.fn() }, desktop: null };
}

describe('runMenuCommand', () => {
  it('maps every menu command to an existing studio command, or to the page’s clipboard events', () => {
    for (const name of MENU_COMMANDS) {
      const id = MENU_TO_COMMAND[name];
      if (id === null) expect(['edit.cut', 'edit.copy', 'edit.paste']).toContain(name);
      else expect(commandById(id).id).toBe(id);
    }
  });

  it('runs graph edits when the canvas has focus, and leaves them to a focused text field', () => {
    const ctx = context();
    ctx.store.getState().addNode('dataset');
    runMenuCommand({ command: 'edit.undo' }, ctx, document.body);
    expect(ctx.store.getState().doc.nodes).toHaveLength(0);
    ctx.store.getState().redo();
    runMenuCommand({ command: 'edit.undo' }, ctx, document.createElement('input'));
    expect(ctx.store.getState().doc.nodes).toHaveLength(1);
  });

  it('opens a recent file by path and runs view and run commands', () => {
    const ctx = context();
    runMenuCommand({ command: 'file.openRecent', path: '/home/me/p.crucible.json' }, ctx);
    expect(ctx.files.openRecent).toHaveBeenCalledWith('/home/me/p.crucible.json');
    runMenuCommand({ command: 'view.zoomReset' }, ctx);
    expect(ctx.view.zoomReset).toHaveBeenCalled();
    runMenuCommand({ command: 'help.shortcuts' }, ctx);
    expect(ctx.store.getState().overlay).toMatchObject({ kind: 'shortcuts' });
  });
});
