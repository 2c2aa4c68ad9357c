// Whether this code runs from the esbuild output in dist/node/ (`npm run build`, which defines __CRUCIBLE_BUILT__)
// or from the TypeScript sources under tsx and vitest, and where the repository (or the packaged app) root is.
import path from 'node:path';

declare const __CRUCIBLE_BUILT__: boolean | undefined;

export const RUNNING_BUILT: boolean = typeof __CRUCIBLE_BUILT__ !== 'undefined' && __CRUCIBLE_BUILT__;

/** This file is engine/build-mode.ts in the sources and lands in a chunk directly in dist/node/ when built. */
export const REPO_ROOT: string = path.resolve(import.meta.dirname, ...(RUNNING_BUILT ? ['..', '..'] : ['..']));
