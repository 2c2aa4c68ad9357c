// The native menu's wiring: every item sends its typed command, edit items also run the native edit action, and
// the menus hold what the issue lists.
import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { MENU_COMMANDS } from '../../app/protocol/desktop-ipc.ts';
import { menuCommandSchema } from '../../app/protocol/desktop-ipc-schemas.ts';

const electron = vi.hoisted(() => ({ buildFromTemplate: vi.fn((template: unknown) => ({ template })), setApplicationMenu: vi.fn() }));
vi.mock('electron', () => ({ Menu: electron }));
const { installMenu, menuTemplate } = await import('./menu.ts');

type Item = MenuItemConstructorOptions;

function setup(platform: NodeJS.Platform = 'linux', recentFiles: string[] = ['/p/a.crucible.json', '/p/b.crucible.json']) {
  const actions = { send: vi.fn(), nativeEdit: vi.fn(), clearRecentFiles: vi.fn(), revealLogs: vi.fn() };
  const template = menuTemplate({ platform, recentFiles, isDevelopment: false, actions });
  return { actions, template };
}

function allItems(items: Item[]): Item[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? allItems(item.submenu) : [])]);
}

function click(item: Item): void {
  (item.click as () => void)();
}

function labels(template: Item[], menu: string): string[] {
  const found = template.find((item) => item.label === menu || (menu === 'Help' && item.role === 'help'))!;
  return (found.submenu as Item[]).filter((item) => item.label).map((item) => item.label!);
}

describe('the native menu', () => {
  it('has the File, Edit, View, Run and Help items users expect', () => {
    const { template } = setup();
    expect(template.map((item) => item.label ?? item.role)).toEqual(['File', 'Edit', 'View', 'Run', 'help']);
    expect(labels(template, 'File')).toEqual(['New', 'Open…', 'Open Recent', 'Save', 'Save As…', 'Close']);
    expect(labels(template, 'Edit')).toEqual(['Undo', 'Redo', 'Cut', 'Copy', 'Paste', 'Duplicate', 'Delete', 'Select All']);
    expect(labels(template, 'View')).toEqual(expect.arrayContaining(['Zoom In', 'Zoom Out', 'Fit View', 'Toggle Panels', 'Toggle Theme']));
    expect(labels(template, 'Run')).toEqual(['Run', 'Run to Selected', 'Stop']);
    expect(labels(template, 'Help')).toContain('Keyboard Shortcuts');
  });

  it('sends each command exactly once from exactly one item, as a valid typed message', () => {
    const { template, actions } = setup();
    const commandItems = allItems(template).filter((item) => MENU_COMMANDS.includes(item.id as never));
    expect(commandItems.map((item) => item.id).sort()).toEqual([...MENU_COMMANDS].sort());
    for (const item of commandItems) {
      actions.send.mockClear();
      click(item);
      expect(actions.send).toHaveBeenCalledTimes(1);
      expect(actions.send).toHaveBeenCalledWith({ command: item.id });
      expect(menuCommandSchema.safeParse(actions.send.mock.calls[0]![0]).success).toBe(true);
    }
  });

  it('runs the native edit action before telling the renderer, so text fields keep working', () => {
    const { template, actions } = setup();
    const order: string[] = [];
    actions.nativeEdit.mockImplementation((action: string) => order.push(`native:${action}`));
    actions.send.mockImplementation(({ command }: { command: string }) => order.push(command));
    const items = allItems(template);
    for (const id of ['edit.undo', 'edit.redo', 'edit.cut', 'edit.copy', 'edit.paste', 'edit.selectAll']) click(items.find((item) => item.id === id)!);
    expect(order).toEqual([
      'native:undo', 'edit.undo', 'native:redo', 'edit.redo', 'native:cut', 'edit.cut',
      'native:copy', 'edit.copy', 'native:paste', 'edit.paste', 'native:selectAll', 'edit.selectAll',
    ]);
  });

  it('lists recent files, each opening its path, and clears them', () => {
    const { template, actions } = setup();
    const recent = allItems(template).find((item) => item.id === 'file.openRecent')!.submenu as Item[];
    click(recent.find((item) => item.label === '/p/b.crucible.json')!);
    expect(actions.send).toHaveBeenCalledWith({ command: 'file.openRecent', path: '/p/b.crucible.json' });
    expect(menuCommandSchema.safeParse(actions.send.mock.calls[0]![0]).success).toBe(true);
    click(recent.find((item) => item.id === 'file.clearRecent')!);
    expect(actions.clearRecentFiles).toHaveBeenCalled();

    const empty = allItems(setup('linux', []).template).find((item) => item.id === 'file.openRecent')!.submenu as Item[];
    expect(empty[0]).toMatchObject({ label: 'No Recent Files', enabled: false });
    expect(empty.find((item) => item.id === 'file.clearRecent')!.enabled).toBe(false);
  });

  it('never takes a plain key from text fields: every registered shortcut has a modifier', () => {
    const registered = allItems(setup().template).filter((item) => item.accelerator && item.registerAccelerator !== false);
    expect(registered.length).toBeGreaterThan(15);
    for (const item of registered) expect(item.accelerator).toMatch(/^(CmdOrCtrl|Ctrl|Cmd)\+/);
    const deleteItem = allItems(setup().template).find((item) => item.id === 'edit.delete')!;
    expect(deleteItem.registerAccelerator).toBe(false);
  });

  it('follows each platform: the app menu on macOS, Quit in File elsewhere, Ctrl+Y for redo on Windows', () => {
    const mac = setup('darwin').template;
    expect(mac[0]).toEqual({ role: 'appMenu' });
    expect(allItems(mac).some((item) => item.role === 'quit')).toBe(false);
    expect(allItems(setup('linux').template).some((item) => item.role === 'quit')).toBe(true);
    expect(allItems(setup('win32').template).find((item) => item.id === 'edit.redo')!.accelerator).toBe('Ctrl+Y');
  });

  it('reveals the log folder from Help', () => {
    const { template, actions } = setup();
    click(allItems(template).find((item) => item.id === 'help.revealLogs')!);
    expect(actions.revealLogs).toHaveBeenCalled();
  });

  it('installs itself as the application menu', () => {
    installMenu({ platform: 'linux', recentFiles: [], isDevelopment: true, actions: { send: vi.fn(), nativeEdit: vi.fn(), clearRecentFiles: vi.fn(), revealLogs: vi.fn() } });
    const built = electron.buildFromTemplate.mock.results[0]!.value;
    expect(electron.setApplicationMenu).toHaveBeenCalledWith(built);
    expect(allItems(built.template).some((item: Item) => item.role === 'toggleDevTools')).toBe(true);
  });
});
