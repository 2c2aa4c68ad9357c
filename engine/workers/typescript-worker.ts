// Starts a worker thread from one of the engine's worker modules. Built (dist/node/), the module is the bundle
// `npm run build` wrote beside this code under the source file's base name. From the sources, Node 20 workers neither
// inherit the parent's module hooks nor honour `--import` in execArgv, so a tiny bootstrap registers tsx (a development
// dependency) and then imports the TypeScript module.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RUNNING_BUILT } from '../build-mode.ts';

/** `moduleUrl` is the URL of the worker's TypeScript source (beside its caller); `workerData` is structured-cloned. */
export function startTypeScriptWorker(moduleUrl: URL, workerData: unknown): Worker {
  if (RUNNING_BUILT) return new Worker(builtWorkerUrl(moduleUrl), { workerData });
  const tsxApiUrl = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApiUrl)}).then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** tools/build.ts names each worker bundle after its source file: ./ml-worker.ts → dist/node/ml-worker.js. */
export function builtWorkerUrl(moduleUrl: URL): URL {
  return new URL(`./${path.basename(moduleUrl.pathname, '.ts')}.js`, import.meta.url);
}
