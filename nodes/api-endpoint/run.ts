// Engine side of the api-endpoint node. Serving lands with the serving work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const apiEndpointRun = notImplementedRun('api-endpoint', 'the OpenAI-compatible endpoint lands with the serving issue (#5)');
