// The fleet behind a service card: an autoscaled deployment's replicas and its recent scaling decisions, and an
// api-endpoint's remote upstreams with the models each serves here.
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { deploymentReplicas, endpointUpstreams } from './service-fleet.ts';

export function ServiceFleet({ service }: { service: ServiceInfo }) {
  const replicas = deploymentReplicas(service);
  const upstreams = endpointUpstreams(service);
  return (
    <>
      {replicas?.autoscaled && (
        <section className="service-replicas">
          <p>
            Replicas: <span data-replicas-summary>{replicas.summary}</span>
          </p>
          {replicas.decisions.length > 0 && (
            <ol className="scaling-decisions" aria-label="recent scaling decisions">
              {replicas.decisions.map((decision) => (
                <li key={`${decision.at} ${decision.text}`}>
                  <time dateTime={decision.at}>{decision.at.slice(11, 19)} UTC</time> {decision.text}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
      {upstreams.length > 0 && (
        <section className="service-upstreams">
          <p>Upstreams:</p>
          <ul>
            {upstreams.map((upstream) => (
              <li key={upstream.url} data-upstream={upstream.url}>
                {upstream.name !== null && <strong>{upstream.name} </strong>}
                <code>{upstream.url}</code> <span className="muted">models: {upstream.models.length > 0 ? upstream.models.join(', ') : 'as it lists them'}</span>
                {upstream.state !== null && <span className={`upstream-state upstream-${upstream.state}`}> {upstream.state}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
