// An EngineApi for store tests: empty lists by default, a clear rejection for any call a test did not fake, and
// overrides for the calls under test.
import type { EngineApi } from '../../api/engine-client.ts';

function notFaked(name: string) {
  return () => Promise.reject(new Error(`fake engine: ${name} is not faked in this test`));
}

export function fakeEngineApi(overrides: Partial<EngineApi> = {}): EngineApi {
  return {
    nodeTypes: async () => [],
    validate: notFaked('validate'),
    startRun: notFaked('startRun'),
    cancelRun: notFaked('cancelRun'),
    listRuns: async () => [],
    getRun: notFaked('getRun'),
    runLogs: async () => [],
    artifacts: async () => [],
    services: async () => [],
    stopService: notFaked('stopService'),
    restartService: notFaked('restartService'),
    listApiKeys: async () => [],
    createApiKey: notFaked('createApiKey'),
    updateApiKey: notFaked('updateApiKey'),
    revokeApiKey: notFaked('revokeApiKey'),
    usage: notFaked('usage'),
    fetchFromService: notFaked('fetchFromService'),
    previews: {
      listFolder: notFaked('previews.listFolder'),
      outputFiles: notFaked('previews.outputFiles'),
      outputFile: notFaked('previews.outputFile'),
      outputPreview: notFaked('previews.outputPreview'),
      tokenize: notFaked('previews.tokenize'),
    },
    streamEvents: () => () => undefined,
    ...overrides,
  };
}
