// A CommonJS package loaded on first use instead of at import time: the CLI, the engine's start and worker threads
// only pay for the heavy packages (onnxruntime-node, fastify) on the paths that use them. Synchronous, so sync
// callers keep their shape.
import { createRequire } from 'node:module';

export function lazyRequire<Module>(specifier: string): () => Module {
  let loaded: Module | undefined;
  return () => {
    loaded ??= createRequire(import.meta.url)(specifier) as Module;
    return loaded;
  };
}
