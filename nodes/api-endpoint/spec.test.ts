// The api-endpoint's graph check: two deploy nodes it serves under one name are refused when the pipeline is
// validated, naming both nodes, rather than after the run has loaded both models.
import { expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { builtInRegistry } from '../specs.ts';
import { pipelineOf, type EdgeDef } from '../testing/pipeline-of.ts';

const NAMES: Record<string, string> = { small: 'bard', large: 'bard', other: 'poet' };
const NODES: [string, string][] = [['m', 'model'], ['small', 'deploy'], ['large', 'deploy'], ['other', 'deploy'], ['api', 'api-endpoint']];
const MODEL_EDGES: EdgeDef[] = [['m', 'model', 'small', 'model'], ['m', 'model', 'large', 'model'], ['m', 'model', 'other', 'model']];

const problemsOf = (served: string[]) => {
  const edges: EdgeDef[] = [...MODEL_EDGES, ...served.map((id): EdgeDef => [id, 'deployment', 'api', 'deployments'])];
  const pipeline = pipelineOf('served names', NODES, edges, (id, type) => (type === 'model' ? { path: '/models/m' } : type === 'deploy' ? { name: NAMES[id] } : undefined));
  return validate(pipeline, builtInRegistry());
};

it('refuses two deployments of one endpoint with the same name, naming both deploy nodes', () => {
  expect(problemsOf(['small', 'large', 'other'])).toEqual([
    { node: 'api', port: 'deployments', code: 'duplicate_served_name', message: 'deploy nodes "small", "large" are all named "bard", and clients choose a model by its name; give each deploy node its own name' },
  ]);
});

it('accepts deployments with their own names', () => {
  expect(problemsOf(['small', 'other'])).toEqual([]);
  expect(problemsOf(['large', 'other'])).toEqual([]);
});
