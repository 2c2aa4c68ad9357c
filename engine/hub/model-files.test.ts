import { describe, expect, it } from 'vitest';
import { planModelFiles, shardsFromIndex, type FileSource } from './model-files.ts';
import { repoIdProblem, revisionProblem } from './model-ref.ts';

const hub: FileSource = { kind: 'hub', describe: 'o/n@abc' };

describe('planModelFiles', () => {
  it('takes the config, tokenizer files and safetensors weights, preferring the single file', () => {
    const names = ['config.json', 'tokenizer.json', 'generation_config.json', 'model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'vocab.json'];
    expect(planModelFiles(names, hub)).toEqual({ files: ['config.json', 'tokenizer.json', 'generation_config.json', 'model.safetensors'], sharded: false });
    expect(planModelFiles(['config.json', 'tokenizer.json', 'model.safetensors.index.json'], hub)).toEqual({ files: ['config.json', 'tokenizer.json', 'model.safetensors.index.json'], sharded: true });
  });

  it('takes chat_template.jinja, where newer transformers save the chat template', () => {
    const names = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'model.safetensors'];
    expect(planModelFiles(names, hub).files).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'model.safetensors']);
    expect(planModelFiles(names, { kind: 'folder', describe: '/m' }).files).toContain('chat_template.jinja');
  });

  it('refuses pickle-only weights and a missing config with what to do', () => {
    expect(() => planModelFiles(['config.json', 'tokenizer.json', 'model.ckpt', 'x.pth'], hub)).toThrow(/only as pickle files \(model\.ckpt, x\.pth\)/);
    expect(() => planModelFiles(['tokenizer.json', 'model.safetensors'], hub)).toThrow(/hub repo o\/n@abc has no config\.json; .*pick a repo/);
  });
});

describe('shardsFromIndex', () => {
  it('lists each shard once, sorted', () => {
    expect(shardsFromIndex(JSON.stringify({ weight_map: { a: 'b.safetensors', c: 'a.safetensors', d: 'b.safetensors' } }), hub)).toEqual(['a.safetensors', 'b.safetensors']);
  });

  it('refuses shard names that are paths, and damaged indexes', () => {
    expect(() => shardsFromIndex(JSON.stringify({ weight_map: { a: '../../secret.safetensors' } }), hub)).toThrow(/maps tensor "a" to "..\/..\/secret.safetensors", which is not a .safetensors file name/);
    expect(() => shardsFromIndex(JSON.stringify({ weight_map: { a: 'model.bin' } }), hub)).toThrow(/not a .safetensors file name/);
    expect(() => shardsFromIndex('{', hub)).toThrow(/model\.safetensors\.index\.json is not valid JSON/);
    expect(() => shardsFromIndex('{}', hub)).toThrow(/has no "weight_map" object/);
  });
});

describe('model references', () => {
  it('accepts owner/name and a 40-hex commit, nothing else', () => {
    expect(repoIdProblem('openai-community/gpt2')).toBeNull();
    for (const bad of ['gpt2', 'a/b/c', '../x', 'a/..', 'a/b..c', 'a/ b', '/b']) expect(repoIdProblem(bad)).toMatch(/not a hub repo id/);
    expect(revisionProblem('c'.repeat(40))).toBeNull();
    expect(revisionProblem('C'.repeat(40))).toMatch(/lower case/);
    expect(revisionProblem('main')).toMatch(/pin a commit/);
  });
});
