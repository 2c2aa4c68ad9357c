// The serving panel: running endpoints with health and snippets, API keys, usage with cost, and the playground, as
// sub-tabs. While it is open, the services are listed again and every running endpoint's /health is asked every few
// seconds.
import { useEffect } from 'react';
import { useStudio } from '../store/store-context.tsx';
import type { ServingTab } from '../store/serving-state.ts';
import { EndpointsView } from './EndpointsView.tsx';
import { KeysView } from './KeysView.tsx';
import { PlaygroundView } from './PlaygroundView.tsx';
import { UsageView } from './UsageView.tsx';

const HEALTH_POLL_MS = 5_000;

const SERVING_TABS: { id: ServingTab; label: string }[] = [
  { id: 'endpoints', label: 'Endpoints' },
  { id: 'keys', label: 'API keys' },
  { id: 'usage', label: 'Usage' },
  { id: 'playground', label: 'Playground' },
];

function ServingTabBody({ tab }: { tab: ServingTab }) {
  if (tab === 'keys') return <KeysView />;
  if (tab === 'usage') return <UsageView />;
  if (tab === 'playground') return <PlaygroundView />;
  return <EndpointsView />;
}

export function ServingPanel() {
  const tab = useStudio((state) => state.servingTab);
  const showServingTab = useStudio((state) => state.showServingTab);
  const openServingPanel = useStudio((state) => state.openServingPanel);
  const pollHealth = useStudio((state) => state.pollHealth);
  const refreshEndpoints = useStudio((state) => state.refreshEndpoints);
  const serviceCount = useStudio((state) => state.services.length);

  useEffect(() => {
    openServingPanel();
    // The service list too, not only /health: a deployment's replicas change while it runs (autoscaling).
    const timer = setInterval(() => void refreshEndpoints(), HEALTH_POLL_MS);
    return () => clearInterval(timer);
  }, [openServingPanel, refreshEndpoints]);

  useEffect(() => {
    void pollHealth();
  }, [serviceCount, pollHealth]);

  return (
    <div className="serving">
      <nav className="serving-tabs" role="tablist" aria-label="Serving">
        {SERVING_TABS.map((candidate) => (
          <button key={candidate.id} type="button" role="tab" aria-selected={tab === candidate.id} data-serving-tab={candidate.id} onClick={() => showServingTab(candidate.id)}>
            {candidate.label}
          </button>
        ))}
      </nav>
      <ServingTabBody tab={tab} />
    </div>
  );
}
