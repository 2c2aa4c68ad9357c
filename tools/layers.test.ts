import { describe, expect, it } from 'vitest';
import { checkLayers } from './layers.ts';

function violationsFor(files: Record<string, string>) {
  return checkLayers(new Map(Object.entries(files))).map((v) => `${v.file} -> ${v.specifier}`);
}

describe('checkLayers', () => {
  it('accepts imports that point the right way', () => {
    expect(
      violationsFor({
        'app/a.ts': "import { z } from 'zod'; import './b.ts';",
        'app/b.ts': '',
        'app/b.test.ts': "import { it } from 'vitest'; import fs from 'node:fs'; import './b.ts';",
        'nodes/specs.ts': "import '../app/a.ts'; import './x/spec.ts';",
        'nodes/x/spec.ts': "import { z } from 'zod';",
        'nodes/x/run.ts': "import fs from 'node:fs'; import '../../app/a.ts';",
        'engine/e.ts': "import '../nodes/x/run.ts'; import '../app/a.ts';",
        'renderer/r.tsx': "import '../nodes/specs.ts'; import '../app/a.ts'; import 'react'; import t from '../examples/x.crucible.json';",
        'renderer/vite.config.ts': "import path from 'node:path'; import { defineConfig } from 'vite';",
        'main/m.ts': "import '../app/a.ts'; import 'electron';",
      }),
    ).toEqual([]);
  });

  it('refuses every wrong direction', () => {
    expect(
      violationsFor({
        'app/a.ts': "import '../engine/e.ts'; import fs from 'node:fs';",
        'nodes/specs.ts': "import './x/spec.ts';",
        'nodes/x/spec.ts': "import fs from 'node:fs';",
        'nodes/x/run.ts': "import '../../engine/e.ts';",
        'engine/e.ts': "import '../renderer/r.tsx'; import '../main/m.ts';",
        'renderer/r.tsx': "import '../engine/e.ts'; import '../nodes/x/run.ts'; import 'node:path';",
        'main/m.ts': "import '../engine/e.ts'; import '../nodes/specs.ts';",
      }),
    ).toEqual([
      'app/a.ts -> ../engine/e.ts',
      'app/a.ts -> node:fs',
      'nodes/x/spec.ts -> node:fs',
      'nodes/x/run.ts -> ../../engine/e.ts',
      'engine/e.ts -> ../renderer/r.tsx',
      'engine/e.ts -> ../main/m.ts',
      'renderer/r.tsx -> ../engine/e.ts',
      'renderer/r.tsx -> ../nodes/x/run.ts',
      'renderer/r.tsx -> node:path',
      'main/m.ts -> ../engine/e.ts',
      'main/m.ts -> ../nodes/specs.ts',
    ]);
  });

  it('keeps the ML core and the runtimes below node runs', () => {
    expect(
      violationsFor({
        'engine/ml/train/trainer.ts': "import type { R } from '../../../nodes/capabilities/training.ts'; import '../../../app/artifacts/reports.ts';",
        'engine/tokenize/t.ts': "import '../../nodes/tokenizer/run.ts';",
        'engine/inference/i.ts': "import '../../nodes/deploy/spec.ts';",
        'engine/capabilities/c.ts': "import '../../nodes/deploy/spec.ts'; import '../ml/train/trainer.ts';",
      }),
    ).toEqual(['engine/ml/train/trainer.ts -> ../../../nodes/capabilities/training.ts', 'engine/tokenize/t.ts -> ../../nodes/tokenizer/run.ts', 'engine/inference/i.ts -> ../../nodes/deploy/spec.ts']);
  });

  it('keeps the inference runtime below the HTTP layers', () => {
    expect(
      violationsFor({
        'engine/inference/i.ts': "import '../endpoint/openai-server.ts'; import '../api/engine-server.ts'; import './sampling.ts';",
        'engine/inference/sampling.ts': '',
        'engine/endpoint/s.ts': "import '../inference/sampling.ts';",
      }),
    ).toEqual(['engine/inference/i.ts -> ../endpoint/openai-server.ts', 'engine/inference/i.ts -> ../api/engine-server.ts']);
  });

  it('lets only tests and testing/ folders import test support and test packages', () => {
    expect(
      violationsFor({
        'engine/a.ts': "import '../engine/testing/helper.ts'; import { vi } from 'vitest'; import fc from 'fast-check';",
        'engine/testing/helper.ts': "import { expect } from 'vitest'; import './other.ts';",
        'engine/testing/other.ts': '',
        'engine/a.test.ts': "import './testing/helper.ts'; import { it } from 'vitest';",
        'renderer/src/view.tsx': "import '../testing/fake-engine.ts';",
        'renderer/testing/fake-engine.ts': '',
      }),
    ).toEqual(['engine/a.ts -> ../engine/testing/helper.ts', 'engine/a.ts -> vitest', 'engine/a.ts -> fast-check', 'renderer/src/view.tsx -> ../testing/fake-engine.ts']);
  });
});
