// Tokenizer lineage: a tokenizer's identity is its origin node (a model that brings its own, a tokenizer node that
// trains or loads one, or what a tokenizer node's tokenizer input is connected to), traced through trained, quantized
// and deployed models. Specs here mirror the real ports (model, tokenizer with its optional tokenizer input, pretrain,
// finetune, distill, quantize) without depending on nodes/.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PortSpec, PortType } from '../nodes/ports.ts';
import { NodeRegistry } from '../nodes/registry.ts';
import { defineNodeSpec, type NodeSpec } from '../nodes/spec.ts';
import { pipelineSchema, type Pipeline } from '../pipeline/schema.ts';
import { checkSharedTokenizers, tokenizerOrigin } from './tokenizer-lineage.ts';
import { validate } from './validate.ts';

const port = (name: string, type: PortType, extra: Partial<PortSpec> = {}): PortSpec => ({ name, type, title: name, description: '', ...extra });
const spec = (type: string, inputs: PortSpec[], outputs: PortSpec[], sameTokenizer?: string[]): NodeSpec =>
  defineNodeSpec({ type, title: type, category: 'Data', icon: 'cube', summary: '', docs: '', version: 1, inputs, outputs, config: z.strictObject({}), ...(sameTokenizer ? { sameTokenizer } : {}) });

const SPECS = [
  spec('dataset', [], [port('corpus', 'Corpus')]),
  spec('model', [], [port('model', 'Model'), port('tokenizer', 'Tokenizer')]),
  spec('tokenizer', [port('corpus', 'Corpus'), port('tokenizer', 'Tokenizer', { optional: true })], [port('tokenizer', 'Tokenizer'), port('tokens', 'Tokens')]),
  spec('pretrain', [port('tokens', 'Tokens')], [port('model', 'Model')]),
  spec('quantize', [port('model', 'Model')], [port('model', 'Model')]),
  spec('finetune', [port('model', 'Model'), port('tokens', 'Tokens')], [port('model', 'Model')], ['model', 'tokens']),
  spec('distill', [port('teacher', 'Model'), port('tokens', 'Tokens')], [port('model', 'Model')], ['teacher', 'tokens']),
];
const registry = new NodeRegistry(SPECS);

type EdgeDef = [from: string, fromPort: string, to: string, toPort: string];

function pipeline(nodes: [id: string, type: string][], edges: EdgeDef[]): Pipeline {
  return pipelineSchema.parse({
    format: 'crucible.pipeline',
    version: 1,
    name: 'lineage',
    nodes: nodes.map(([id, type]) => ({ id, type, typeVersion: 1, config: {} })),
    edges: edges.map(([from, fromPort, to, toPort], index) => ({ id: `e${index}`, from: { node: from, port: fromPort }, to: { node: to, port: toPort } })),
  });
}

const specsOf = (graph: Pipeline) => new Map(graph.nodes.map((node) => [node.id, registry.get(node.type)]));

const FINETUNE_NODES: [string, string][] = [['data', 'dataset'], ['base', 'model'], ['tok', 'tokenizer'], ['ft', 'finetune']];
const DATA_TO_TOK: EdgeDef = ['data', 'corpus', 'tok', 'corpus'];

describe('tokenizer origins', () => {
  it("a model node is the origin of its Model and its Tokenizer; a tokenizer node fed the model's tokenizer shares it", () => {
    const graph = pipeline(FINETUNE_NODES, [DATA_TO_TOK, ['base', 'tokenizer', 'tok', 'tokenizer'], ['base', 'model', 'ft', 'model'], ['tok', 'tokens', 'ft', 'tokens']]);
    const specs = specsOf(graph);
    expect(tokenizerOrigin(graph, specs, 'ft', 'model')).toBe('base');
    expect(tokenizerOrigin(graph, specs, 'ft', 'tokens')).toBe('base');
    expect(validate(graph, registry)).toEqual([]);
  });

  it('a tokenizer node with nothing on its tokenizer input is its own origin', () => {
    const graph = pipeline(FINETUNE_NODES, [DATA_TO_TOK, ['base', 'model', 'ft', 'model'], ['tok', 'tokens', 'ft', 'tokens']]);
    expect(tokenizerOrigin(graph, specsOf(graph), 'ft', 'tokens')).toBe('tok');
  });

  it('traces a fine-tuned model back through finetune and quantize to the model node', () => {
    const graph = pipeline(
      [...FINETUNE_NODES, ['q', 'quantize'], ['ft2', 'finetune']],
      [DATA_TO_TOK, ['base', 'tokenizer', 'tok', 'tokenizer'], ['base', 'model', 'ft', 'model'], ['tok', 'tokens', 'ft', 'tokens'], ['ft', 'model', 'q', 'model'], ['q', 'model', 'ft2', 'model'], ['tok', 'tokens', 'ft2', 'tokens']],
    );
    expect(tokenizerOrigin(graph, specsOf(graph), 'ft2', 'model')).toBe('base');
    expect(checkSharedTokenizers(graph, specsOf(graph))).toEqual([]);
  });

  it('cannot trace a model trained on unconnected tokens', () => {
    const graph = pipeline([['train', 'pretrain'], ['q', 'quantize']], [['train', 'model', 'q', 'model']]);
    expect(tokenizerOrigin(graph, specsOf(graph), 'q', 'model')).toBeNull();
  });
});

describe('finetune: model and tokens must share the tokenizer', () => {
  it("refuses tokens from a tokenizer node that trained its own, saying to connect the model's tokenizer output", () => {
    const graph = pipeline(FINETUNE_NODES, [DATA_TO_TOK, ['base', 'model', 'ft', 'model'], ['tok', 'tokens', 'ft', 'tokens']]);
    expect(validate(graph, registry)).toEqual([
      {
        node: 'ft',
        port: 'tokens',
        code: 'tokenizer_mismatch',
        message:
          '"model" comes from model "base" but "tokens" was encoded by tokenizer node "tok", which trains or loads its own tokenizer; ' +
          'the model only understands its own token ids, so connect "base"\'s tokenizer output to "tok"\'s tokenizer input',
      },
    ]);
  });

  it("refuses tokens encoded with another model's tokenizer", () => {
    const graph = pipeline(
      [...FINETUNE_NODES, ['other', 'model']],
      [DATA_TO_TOK, ['other', 'tokenizer', 'tok', 'tokenizer'], ['base', 'model', 'ft', 'model'], ['tok', 'tokens', 'ft', 'tokens']],
    );
    const [problem] = validate(graph, registry);
    expect(problem).toMatchObject({ node: 'ft', port: 'tokens', code: 'tokenizer_mismatch' });
    expect(problem!.message).toContain('which encodes with the tokenizer of "other"');
    expect(problem!.message).toContain('connect "base"\'s tokenizer output to "tok"\'s tokenizer input');
  });

  it('refuses a pretrained model fine-tuned on a model node tokenizer, naming the connection to change', () => {
    // The model was trained on tokA's tokens; the fine-tune tokens come from the model node "base"'s tokenizer.
    const graph = pipeline(
      [['data', 'dataset'], ['base', 'model'], ['tokA', 'tokenizer'], ['tokB', 'tokenizer'], ['train', 'pretrain'], ['ft', 'finetune']],
      [['data', 'corpus', 'tokA', 'corpus'], ['data', 'corpus', 'tokB', 'corpus'], ['base', 'tokenizer', 'tokB', 'tokenizer'], ['tokA', 'tokens', 'train', 'tokens'], ['train', 'model', 'ft', 'model'], ['tokB', 'tokens', 'ft', 'tokens']],
    );
    expect(validate(graph, registry)).toEqual([
      {
        node: 'ft',
        port: 'tokens',
        code: 'tokenizer_mismatch',
        message: '"model" comes from tokenizer "tokA" but "tokens" comes from tokenizer "base"; they must share the tokenizer, so connect both to "tokA"',
      },
    ]);
  });
});

describe('distill keeps its rule', () => {
  const NODES: [string, string][] = [['data', 'dataset'], ['tokA', 'tokenizer'], ['tokB', 'tokenizer'], ['teacher', 'pretrain'], ['q', 'quantize'], ['student', 'distill']];
  const UPSTREAM: EdgeDef[] = [['data', 'corpus', 'tokA', 'corpus'], ['data', 'corpus', 'tokB', 'corpus'], ['tokA', 'tokens', 'teacher', 'tokens'], ['teacher', 'model', 'q', 'model']];

  it('accepts a teacher and tokens from one tokenizer node and refuses another, naming both', () => {
    expect(validate(pipeline(NODES, [...UPSTREAM, ['q', 'model', 'student', 'teacher'], ['tokA', 'tokens', 'student', 'tokens']]), registry)).toEqual([]);
    expect(validate(pipeline(NODES, [...UPSTREAM, ['q', 'model', 'student', 'teacher'], ['tokB', 'tokens', 'student', 'tokens']]), registry)).toEqual([
      {
        node: 'student',
        port: 'tokens',
        code: 'tokenizer_mismatch',
        message: '"teacher" comes from tokenizer "tokA" but "tokens" comes from tokenizer "tokB"; they must share the tokenizer, so connect both to "tokA"',
      },
    ]);
  });

  it('accepts an imported teacher and tokens encoded with its tokenizer', () => {
    const graph = pipeline(
      [['data', 'dataset'], ['base', 'model'], ['tok', 'tokenizer'], ['student', 'distill']],
      [DATA_TO_TOK, ['base', 'tokenizer', 'tok', 'tokenizer'], ['base', 'model', 'student', 'teacher'], ['tok', 'tokens', 'student', 'tokens']],
    );
    expect(validate(graph, registry)).toEqual([]);
  });
});
