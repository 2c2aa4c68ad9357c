// The desktop app's native menu sends command names (app/protocol/desktop-ipc.ts); each maps to a studio command.
// Cut, copy and paste map to none: the menu's native action fires the page's clipboard events, handled there.
import type { MenuCommand, MenuCommandName } from '../../../app/protocol/desktop-ipc.ts';
import { commandById, type CommandContext } from '../commands/commands.ts';
import { isTypingTarget } from '../commands/shortcuts.ts';

export const MENU_TO_COMMAND: Record<MenuCommandName, string | null> = {
  'file.new': 'file.new',
  'file.open': 'file.open',
  'file.save': 'file.save',
  'file.saveAs': 'file.saveAs',
  'file.close': 'file.close',
  'edit.undo': 'edit.undo',
  'edit.redo': 'edit.redo',
  'edit.cut': null,
  'edit.copy': null,
  'edit.paste': null,
  'edit.duplicate': 'edit.duplicate',
  'edit.delete': 'edit.delete',
  'edit.selectAll': 'edit.selectAll',
  'view.zoomIn': 'view.zoomIn',
  'view.zoomOut': 'view.zoomOut',
  'view.zoomReset': 'view.zoomReset',
  'view.fit': 'view.fit',
  'view.togglePanels': 'view.panels',
  'view.toggleTheme': 'view.theme',
  'view.showLogs': 'view.showLogs',
  'run.run': 'run.run',
  'run.runToSelected': 'run.toSelected',
  'run.stop': 'run.stop',
  'help.shortcuts': 'help.shortcuts',
  'help.about': 'help.about',
};

/** Studio commands whose keys the native menu owns in the desktop app, so the page must not handle them too. */
export const MENU_OWNED_COMMANDS: ReadonlySet<string> = new Set(Object.values(MENU_TO_COMMAND).filter((id): id is string => id !== null));

export function runMenuCommand(menu: MenuCommand, context: CommandContext, focused: Element | null = document.activeElement): void {
  if (menu.command === 'file.openRecent') {
    void context.files.openRecent?.(menu.path);
    return;
  }
  const id = MENU_TO_COMMAND[menu.command];
  // In a text field the native edit action already acted on the text; the graph is not the target.
  if (!id || (menu.command.startsWith('edit.') && isTypingTarget(focused))) return;
  commandById(id).perform(context);
}
