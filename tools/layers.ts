// The layering rule: imports point one way (app ← nodes ← engine; app ← nodes' specs ← renderer; main → app), and
// inside the engine the ML core and the runtimes sit below node runs and the HTTP layers. Product code never imports
// test support. Pure over a map of file texts so it can be tested; tools/lint-layers.ts runs it on the repository.
import ts from 'typescript';

export interface LayerViolation {
  file: string;
  specifier: string;
  message: string;
}

/** The browser-safe part of nodes/: everything reachable from this entry. */
export const BROWSER_SAFE_NODES_ENTRY = 'nodes/specs.ts';
const BROWSER_PACKAGES = new Set(['zod']);

type Layer = 'app' | 'nodes' | 'engine' | 'renderer' | 'main' | 'free';

function layerOf(file: string): Layer {
  const top = file.split('/')[0];
  if (top === 'app' || top === 'nodes' || top === 'engine' || top === 'renderer' || top === 'main') return top;
  return 'free'; // bench/, tools/, test/ and root configs may import anything
}

export function importsOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

function resolveRelative(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const piece of specifier.split('/')) {
    if (piece === '..') parts.pop();
    else if (piece !== '.') parts.push(piece);
  }
  return parts.join('/');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Files reachable from the browser-safe entry through relative imports. */
function browserSafeClosure(files: Map<string, string>): Set<string> {
  const closure = new Set<string>();
  const queue = [BROWSER_SAFE_NODES_ENTRY];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (closure.has(file) || !files.has(file)) continue;
    closure.add(file);
    for (const specifier of importsOf(files.get(file)!)) {
      if (specifier.startsWith('.')) queue.push(resolveRelative(file, specifier));
    }
  }
  return closure;
}

interface InnerRule {
  /** Folders (with a trailing slash) whose files the rule binds. */
  from: readonly string[];
  mayNotImport: readonly string[];
  why: string;
}

/** Rules inside one layer, on top of the direction between layers. */
export const INNER_RULES: readonly InnerRule[] = [
  {
    from: ['engine/ml/', 'engine/tokenize/', 'engine/inference/'],
    mayNotImport: ['nodes/'],
    why: 'the ML core and the runtimes sit below node runs; artifact formats and report types they share live in app/artifacts/',
  },
  {
    from: ['engine/torch-runner/'],
    mayNotImport: ['nodes/', 'engine/capabilities/', 'engine/api/', 'engine/endpoint/'],
    why: 'the PyTorch launcher sits beside the ML core: node configs become its requests in engine/capabilities/torch-training-job.ts',
  },
  {
    from: ['engine/inference/'],
    mayNotImport: ['engine/endpoint/', 'engine/api/'],
    why: 'the inference runtime sits below the HTTP layers, which consume its TextGenerator',
  },
];

/** Tests and test support: `*.test.ts(x)` files and anything under a `testing/` folder. */
const isTestCode = (file: string) => /\.test\.tsx?$/.test(file) || file.split('/').includes('testing');

function checkInner(file: string, target: string): string | null {
  for (const rule of INNER_RULES) {
    if (!rule.from.some((folder) => file.startsWith(folder))) continue;
    const forbidden = rule.mayNotImport.find((folder) => target.startsWith(folder));
    if (forbidden) return `${rule.from.find((folder) => file.startsWith(folder))} must not import ${forbidden}: ${rule.why}`;
  }
  if (!isTestCode(file) && target.split('/').includes('testing')) return `product code must not import test support (${target}); move what both need out of testing/`;
  return null;
}

export function checkLayers(files: Map<string, string>): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const browserSafe = browserSafeClosure(files);
  for (const [file, text] of files) {
    const layer = layerOf(file);
    if (layer === 'free') continue;
    for (const specifier of importsOf(text)) {
      const problem = specifier.startsWith('.')
        ? (checkRelative(file, layer, resolveRelative(file, specifier), browserSafe) ?? checkInner(file, resolveRelative(file, specifier)))
        : checkPackage(file, layer, specifier, browserSafe);
      if (problem) violations.push({ file, specifier, message: problem });
    }
  }
  return violations;
}

const ALLOWED_LAYERS: Record<Exclude<Layer, 'free'>, Layer[]> = {
  app: ['app'],
  nodes: ['app', 'nodes'],
  engine: ['app', 'nodes', 'engine'],
  renderer: ['app', 'nodes', 'renderer'],
  main: ['app', 'main'],
};

/** Example pipelines are data every layer may read (the canvas offers them as templates). */
const isExamplePipeline = (target: string) => target.startsWith('examples/') && target.endsWith('.crucible.json');

function checkRelative(file: string, layer: Exclude<Layer, 'free'>, target: string, browserSafe: Set<string>): string | null {
  if (isExamplePipeline(target)) return null;
  const targetLayer = layerOf(target);
  if (!ALLOWED_LAYERS[layer].includes(targetLayer)) {
    return `${layer}/ must not import ${targetLayer === 'free' ? target : `${targetLayer}/`} (imports point one way: app ← nodes ← engine, app ← node specs ← renderer, main → app)`;
  }
  const needsBrowserSafe = layer === 'renderer' || browserSafe.has(file);
  if (needsBrowserSafe && targetLayer === 'nodes' && !browserSafe.has(target)) {
    return `${target} is engine-side; browser-safe code may import only node specs (reachable from ${BROWSER_SAFE_NODES_ENTRY})`;
  }
  return null;
}

/**
 * Tests and build configs (vite.config.ts...) run under Node tooling, never in the product's processes, so they may
 * use any package; their relative imports still point one way.
 */
const isToolingFile = (file: string) => /\.test\.tsx?$|\.config\.[cm]?ts$/.test(file);

/** Packages only tests and test support may use. */
const TEST_PACKAGES = new Set(['vitest', '@testing-library/react', 'fast-check', 'playwright-core']);

function checkPackage(file: string, layer: Exclude<Layer, 'free'>, specifier: string, browserSafe: Set<string>): string | null {
  if (TEST_PACKAGES.has(packageName(specifier)) && !isTestCode(file)) return `product code must not import "${specifier}"; only tests and testing/ folders may`;
  if (isToolingFile(file)) return null;
  const isNodeBuiltin = specifier.startsWith('node:');
  if (layer === 'app' && !BROWSER_PACKAGES.has(packageName(specifier))) {
    return `app/ is pure TypeScript: it may import only ${[...BROWSER_PACKAGES].join(', ')}, not "${specifier}"`;
  }
  if (browserSafe.has(file) && !BROWSER_PACKAGES.has(packageName(specifier))) {
    return `node specs are browser-safe: they may import only ${[...BROWSER_PACKAGES].join(', ')}, not "${specifier}"`;
  }
  if (layer === 'renderer' && isNodeBuiltin) return `renderer/ runs in a browser: it must not import "${specifier}"`;
  return null;
}
