// A service card's state and its Stop and Restart buttons; the engine does the work (service-control-actions.ts).
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { useStudio } from '../store/store-context.tsx';
import { serviceState } from './service-fleet.ts';

export function ServiceControls({ service }: { service: ServiceInfo }) {
  const control = useStudio((state) => state.serviceControls[service.id]);
  const stopService = useStudio((state) => state.stopService);
  const restartService = useStudio((state) => state.restartService);
  const view = serviceState(service, control);
  return (
    <span className="service-controls">
      <span className={`service-state service-state-${view.state}`} data-service-state={view.state} title={view.detail ?? undefined}>
        {view.state}
      </span>
      {view.canStop && (
        <button type="button" data-service-action="stop" onClick={() => void stopService(service.id)}>
          Stop
        </button>
      )}
      {view.canRestart && (
        <button type="button" data-service-action="restart" title={service.status === 'running' ? 'Stop, then start again' : 'Start again'} onClick={() => void restartService(service.id)}>
          {service.status === 'running' ? 'Restart' : 'Start'}
        </button>
      )}
      {view.detail && <span className="muted service-state-detail">{view.detail}</span>}
    </span>
  );
}
