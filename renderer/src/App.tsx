// The studio's layout: toolbar, palette, canvas, inspector and run panel around one store. Wires the command table
// (keyboard, toolbar) to the canvas view and the file commands, and keeps the page's theme in step with the store.
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import { Canvas } from './canvas/Canvas.tsx';
import { FIT_OPTIONS } from './canvas/fit-view.ts';
import { ConnectMenu } from './canvas/ConnectMenu.tsx';
import type { CommandContext } from './commands/commands.ts';
import { useShortcuts } from './commands/use-shortcuts.ts';
import { getDesktopApi } from './desktop/desktop-api.ts';
import { createDesktopFileCommands } from './desktop/desktop-file-commands.ts';
import { runMenuCommand } from './desktop/menu-commands.ts';
import { createFileCommands } from './files/file-commands.ts';
import { Inspector } from './form/Inspector.tsx';
import { AttentionBanner, Toast } from './Notices.tsx';
import { Overlay } from './Overlay.tsx';
import { Palette } from './palette/Palette.tsx';
import { RunPanel } from './run/RunPanel.tsx';
import { useStudio, useStudioStore } from './store/store-context.tsx';
import { Toolbar } from './Toolbar.tsx';

export const THEME_STORAGE_KEY = 'crucible.theme';

function Studio() {
  const store = useStudioStore();
  const flow = useReactFlow();
  const theme = useStudio((state) => state.theme);
  const context = useMemo<CommandContext>(() => {
    const desktop = getDesktopApi();
    return {
      store,
      desktop,
      files: desktop ? createDesktopFileCommands(store, desktop) : createFileCommands(store),
      view: {
        fitView: () => void flow.fitView({ ...FIT_OPTIONS, duration: 200 }),
        zoomIn: () => void flow.zoomIn(),
        zoomOut: () => void flow.zoomOut(),
        zoomReset: () => void flow.zoomTo(1),
      },
    };
  }, [store, flow]);
  useShortcuts(context);
  useEffect(() => {
    const { desktop, files } = context;
    if (!desktop) return;
    const stopMenu = desktop.onMenuCommand((menu) => runMenuCommand(menu, context));
    const stopOpened = desktop.onPipelineOpened((opened) => files.openFromOutside?.(opened));
    void desktop.windowReady();
    return () => {
      stopMenu();
      stopOpened();
    };
  }, [context]);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME_STORAGE_KEY, theme);
  }, [theme]);
  return (
    <div className="studio">
      <Toolbar context={context} />
      <Palette />
      <main className="workspace">
        <Canvas />
        <AttentionBanner />
        <ConnectMenu />
        <Toast />
      </main>
      <Overlay />
      <Inspector />
      <RunPanel />
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Studio />
    </ReactFlowProvider>
  );
}
