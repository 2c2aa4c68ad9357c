// In the desktop app the engine runs under a supervisor that may restart it on a new port with a new token: the
// studio attaches to it when it is ready, re-attaches after each restart, and says when it is down.
import type { DesktopApi, EngineConnection, EngineStatus } from '../../../app/protocol/desktop-ipc.ts';
import { createEngineClient } from '../api/engine-client.ts';
import type { StudioStore } from '../store/studio-store.ts';

function describeStatus(status: EngineStatus): string | null {
  if (status.state === 'restarting') return `The engine stopped (${status.reason}); restarting it in ${Math.ceil(status.retryInMs / 1000)} s`;
  if (status.state === 'failed') return `The engine failed and was not restarted: ${status.reason}. Its log is ${status.logFile} (View › Show Logs)`;
  return null;
}

/** Attaches the store to the desktop engine now and after every restart; returns a function that detaches. */
export function connectDesktopEngine(store: StudioStore, api: Pick<DesktopApi, 'getEngineConnection' | 'onEngineStatus'>): () => void {
  let attached: EngineConnection | null = null;
  let detach = () => undefined as void;

  const attach = async () => {
    const connection = await api.getEngineConnection().catch(() => null);
    if (!connection || (connection.url === attached?.url && connection.token === attached.token)) return;
    detach();
    attached = connection;
    detach = store.getState().attachEngine(createEngineClient({ baseUrl: connection.url, token: connection.token }));
  };

  const stopListening = api.onEngineStatus((status) => {
    if (status.state === 'ready') return void attach();
    const message = describeStatus(status);
    if (message) store.getState().notify('error', message);
  });
  void attach();
  return () => {
    stopListening();
    detach();
  };
}
