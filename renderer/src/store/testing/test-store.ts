// A studio store over the real built-in node specs, for tests: the same registry and catalogue the app starts with.
import { catalogue } from '../../../../app/nodes/catalogue.ts';
import { builtInRegistry } from '../../../../nodes/specs.ts';
import { createStudioStore, type StudioDeps, type StudioStore } from '../studio-store.ts';

export function createTestStore(deps: Omit<StudioDeps, 'registry' | 'catalogue'> = {}): StudioStore {
  const registry = builtInRegistry();
  return createStudioStore({ registry, catalogue: catalogue(registry), ...deps });
}
