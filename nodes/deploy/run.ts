// Engine side of the deploy node. Serving lands with the serving work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const deployRun = notImplementedRun('deploy', 'the inference runtime and deployments land with the serving issue (#5)');
