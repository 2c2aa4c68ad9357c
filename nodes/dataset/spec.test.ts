// The dataset spec's pure checks, as validate() reports them everywhere (the studio in the browser included): a source
// path in a secret location is refused by its names alone, unless the source sets allowOutside.
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../app/graph/problems.ts';
import { validate } from '../../app/graph/validate.ts';
import { pipelineSchema, type Pipeline } from '../../app/pipeline/schema.ts';
import { builtInRegistry } from '../specs.ts';
import { datasetConfig } from './spec.ts';

function datasetPipeline(sources: Record<string, unknown>[]): Pipeline {
  return pipelineSchema.parse({ format: 'crucible.pipeline', version: 1, name: 'data', nodes: [{ id: 'data', type: 'dataset', typeVersion: 1, config: { sources } }], edges: [] });
}

describe('dataset sources in secret locations', () => {
  it('refuses each one with its source index, the rule and what to do', () => {
    const problems = validate(datasetPipeline([{ path: 'corpus.txt' }, { path: '/proc/self/environ' }, { path: '~/.ssh' }, { path: 'config/.env.production' }, { url: 'https://example.com/a.txt' }]), builtInRegistry());
    expect(problems.map((problem) => [problem.field, problem.code])).toEqual([
      ['sources.1.path', 'secret_source'],
      ['sources.2.path', 'secret_source'],
      ['sources.3.path', 'secret_source'],
    ]);
    expect(formatProblem(problems[0]!)).toMatch(
      /^node "data": config\.sources\.1\.path: "\/proc\/self\/environ" is in \/proc \(.*\); the dataset would copy it into the corpus and into every model trained on it\. .* set allowOutside: true on this source if you really mean it$/,
    );
    expect(problems[1]!.message).toContain('"~/.ssh" is in .ssh (SSH keys)');
    expect(problems[2]!.message).toContain('an environment file');
  });

  it('accepts them with allowOutside: true', () => {
    expect(validate(datasetPipeline([{ path: '/proc/cpuinfo', allowOutside: true }, { path: 'keys/id_rsa', allowOutside: true }]), builtInRegistry())).toEqual([]);
  });

  it('leaves allowOutside out of the parsed config unless set, so existing cache keys stay the same', () => {
    expect(datasetConfig.parse({ sources: [{ path: 'a.txt' }] }).sources).toEqual([{ path: 'a.txt' }]);
    expect(datasetConfig.safeParse({ sources: [{ url: 'https://example.com/a.txt', allowOutside: true }] }).success).toBe(false);
  });
});
