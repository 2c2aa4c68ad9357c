// The serving panel: running deployments and API endpoints from the engine, each with its URL, a health light and
// copyable client snippets. Keys, usage and the chat playground need the serving API, which is not in this build.
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { useStudio } from '../store/store-context.tsx';
import { servingSnippets } from './snippets.ts';

function modelOf(service: ServiceInfo): string {
  const models = service.details?.models;
  if (Array.isArray(models) && typeof models[0] === 'string') return models[0];
  const model = service.details?.model;
  return typeof model === 'string' ? model : service.name;
}

function ServiceCard({ service }: { service: ServiceInfo }) {
  const snippets = service.url && service.kind !== 'deploy' ? servingSnippets({ url: service.url, model: modelOf(service) }) : [];
  return (
    <article className="service" data-service={service.id}>
      <header>
        <span className={`health health-${service.status}`} title={`status: ${service.status}`} aria-label={`status ${service.status}`} />
        <strong>{service.name}</strong>
        <span className="muted">
          {service.kind} from node <code>{service.node}</code>, run <code>{service.runId}</code>
        </span>
      </header>
      {service.url && (
        <p>
          <a href={service.url} target="_blank" rel="noreferrer noopener">
            {service.url}
          </a>
        </p>
      )}
      {snippets.map((snippet) => (
        <details key={snippet.id}>
          <summary>
            {snippet.label}{' '}
            <button type="button" onClick={() => void navigator.clipboard?.writeText(snippet.code)}>
              copy
            </button>
          </summary>
          <pre>{snippet.code}</pre>
        </details>
      ))}
    </article>
  );
}

export function ServingPanel() {
  const services = useStudio((state) => state.services);
  const refreshServices = useStudio((state) => state.refreshServices);
  return (
    <div className="serving">
      <button type="button" onClick={() => void refreshServices()}>
        Refresh
      </button>
      {services.length === 0 ? <p className="muted">No services. Run a pipeline with a Deploy or API endpoint node to start one.</p> : services.map((service) => <ServiceCard key={service.id} service={service} />)}
      <p className="muted serving-later">API keys, usage and the chat playground are not available in this build yet.</p>
    </div>
  );
}
