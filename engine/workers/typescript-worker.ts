// Starts a worker thread from a TypeScript module: Node 20 workers neither inherit the parent's module hooks nor
// honour `--import` in execArgv, so a tiny bootstrap registers tsx (a runtime dependency) and then imports the module.
import { Worker } from 'node:worker_threads';

const TSX_API_URL = import.meta.resolve('tsx/esm/api');

/** Works under `node --import tsx` and under vitest alike; `workerData` is structured-cloned to the worker. */
export function startTypeScriptWorker(moduleUrl: URL, workerData: unknown): Worker {
  const bootstrap = `import(${JSON.stringify(TSX_API_URL)}).then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
