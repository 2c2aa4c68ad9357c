// Deployments and endpoints, running ones first: each with its state and Stop/Restart (ServiceControls), its URL, a
// health light from its /health (asked through the engine), replicas and upstreams (ServiceFleet), copyable client
// snippets with the real URL and model, and a shortcut to the playground.
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { useStudio } from '../store/store-context.tsx';
import { CopyButton } from './CopyButton.tsx';
import { ServiceControls } from './ServiceControls.tsx';
import { ServiceFleet } from './ServiceFleet.tsx';
import { servicesInCardOrder } from './service-fleet.ts';
import { deploymentPlacement, healthLight, isCallableEndpoint, modelsOf } from './served-endpoints.ts';
import { servingSnippets } from './snippets.ts';

function ServiceCard({ service }: { service: ServiceInfo }) {
  const health = useStudio((state) => state.health[service.id]);
  const openInPlayground = useStudio((state) => state.openInPlayground);
  const light = healthLight(service, health);
  const callable = isCallableEndpoint(service);
  const models = modelsOf(service);
  const placement = deploymentPlacement(service);
  return (
    <article className="service" data-service={service.id} data-kind={service.kind} data-health={light.state}>
      <header>
        <span className={`health health-${light.state}`} title={light.detail} role="img" aria-label={`health ${light.state}`} />
        <strong>{service.name}</strong>
        <span className="muted">
          {service.kind} from node <code>{service.node}</code>, run <code>{service.runId}</code>
        </span>
        <ServiceControls service={service} />
      </header>
      {placement && (
        <p className="service-placement">
          runs on {placement.summary}
          {placement.fallback && <span className="service-problem"> — {placement.fallback}</span>}
        </p>
      )}
      <ServiceFleet service={service} />
      {callable && (
        <p className="service-url">
          <code>{service.url}/v1</code> <CopyButton text={`${service.url}/v1`} label="copy URL" /> <span className="muted">models: {models.join(', ')}</span>{' '}
          <button type="button" onClick={() => openInPlayground(service.id)}>
            Open in playground
          </button>
        </p>
      )}
      {light.state === 'unreachable' && <p className="service-problem">{light.detail}</p>}
      {light.state !== 'ok' && light.state !== 'unreachable' && callable && <p className="muted">{light.detail}</p>}
      {callable &&
        servingSnippets({ url: service.url, model: models[0] ?? service.name }).map((snippet) => (
          <details key={snippet.id} className="snippet">
            <summary>
              {snippet.label} <CopyButton text={snippet.code} />
            </summary>
            <pre>{snippet.code}</pre>
          </details>
        ))}
    </article>
  );
}

export function EndpointsView() {
  const services = useStudio((state) => state.services);
  const refreshEndpoints = useStudio((state) => state.refreshEndpoints);
  return (
    <div className="endpoints">
      <button type="button" onClick={() => void refreshEndpoints()}>
        Refresh
      </button>
      {services.length === 0 ? <p className="muted">No services. Run a pipeline with a Deploy and an API endpoint node to start one.</p> : servicesInCardOrder(services).map((service) => <ServiceCard key={service.id} service={service} />)}
    </div>
  );
}
