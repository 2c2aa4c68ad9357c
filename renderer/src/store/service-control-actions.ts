// Stop and Restart of a service from the serving panel: the engine does it, the card shows it in progress, and the
// list takes the services as the engine answers them (the restarted one, and the endpoints brought along with it).
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { withEngine } from './engine-call.ts';
import type { GetState, SetState } from './slice-tools.ts';

export type ServiceControl = 'stopping' | 'restarting';

export interface ServiceControlSlice {
  /** Service id → the control in flight, so its card says so and its buttons wait. */
  serviceControls: Record<string, ServiceControl>;
  stopService(serviceId: string): Promise<void>;
  restartService(serviceId: string): Promise<void>;
}

type ServiceControlActions = Pick<ServiceControlSlice, 'stopService' | 'restartService'>;

/** The list with each answered service put in place of the entry with its id (or added). */
export function withServices(services: readonly ServiceInfo[], answered: readonly ServiceInfo[]): ServiceInfo[] {
  const ids = new Set(answered.map((service) => service.id));
  return [...services.filter((service) => !ids.has(service.id)), ...answered];
}

/** How notices and errors name a service: its kind and name, or its id where the list no longer has it. */
function serviceLabel(service: ServiceInfo | undefined, serviceId: string): string {
  return service ? `${service.kind} "${service.name}"` : `service ${serviceId}`;
}

/**
 * What a restart says: the service that took the requested one's place (the same node of the same run; the engine may
 * answer a deployment it had to start first before it), then the others started with it.
 */
export function restartNotice(requested: ServiceInfo | undefined, serviceId: string, started: readonly ServiceInfo[]): string {
  const replacement = (requested && started.find((service) => service.runId === requested.runId && service.node === requested.node)) ?? started[0];
  const others = started.filter((service) => service !== replacement);
  const where = replacement?.url ? ` at ${replacement.url}` : '';
  const along = others.length > 0 ? `, with ${others.map((other) => serviceLabel(other, other.id)).join(', ')}` : '';
  return `Restarted ${serviceLabel(requested, serviceId)} as ${replacement?.id ?? '?'}${where}${along}`;
}

export function createServiceControlActions(set: SetState, get: GetState): ServiceControlActions {
  const control = async <T>(serviceId: string, kind: ServiceControl, call: () => Promise<T | null>): Promise<T | null> => {
    if (get().serviceControls[serviceId]) return null;
    set({ serviceControls: { ...get().serviceControls, [serviceId]: kind } });
    try {
      return await call();
    } finally {
      const { [serviceId]: _done, ...others } = get().serviceControls;
      set({ serviceControls: others });
    }
  };
  const listed = (serviceId: string) => get().services.find((candidate) => candidate.id === serviceId);
  const named = (serviceId: string) => serviceLabel(listed(serviceId), serviceId);

  return {
    async stopService(serviceId) {
      const what = `stop ${named(serviceId)}`;
      const stopped = await control(serviceId, 'stopping', () => withEngine(get, what, (engine) => engine.stopService(serviceId)));
      if (!stopped) return;
      set({ services: withServices(get().services, [stopped]) });
      get().notify('info', `Stopped ${named(serviceId)}: it stays down, also after the studio restarts, until you restart it`);
    },

    async restartService(serviceId) {
      const requested = listed(serviceId);
      const what = `restart ${serviceLabel(requested, serviceId)}`;
      const started = await control(serviceId, 'restarting', () => withEngine(get, what, (engine) => engine.restartService(serviceId)));
      if (!started) return;
      await get().refreshServices();
      set({ services: withServices(get().services, started) });
      get().notify('info', restartNotice(requested, serviceId, started));
      void get().pollHealth();
    },
  };
}
