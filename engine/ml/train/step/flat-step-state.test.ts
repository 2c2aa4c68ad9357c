// Checks the flat training-step state: parameters packed per AdamW group and unpacked by name, feeds that view the
// flat buffer, the double-buffer swap or the one in-place set, copies that later steps cannot change, views that
// they do, and clear errors on a bad restore.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import { gpt2ParameterSpecs, initGpt2Parameters } from '../../gpt2/parameters.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import { flatLayout } from './flat-layout.ts';
import { FlatStepState } from './flat-step-state.ts';
import { trainStepNames } from './step-names.ts';

const config = gpt2Config({ vocabSize: 7, nLayer: 1, nHead: 2, nEmbd: 4, blockSize: 3 });
const layout = flatLayout(gpt2ParameterSpecs(config));
const valuesOf = (tensor: HostTensor | undefined): number[] => Array.from(tensor?.data as Float32Array);

describe('flatLayout', () => {
  it('puts >= 2-D tensors in the decayed group and the rest in the plain group, each packed without gaps', () => {
    const specs = gpt2ParameterSpecs(config);
    for (const group of layout.groups) {
      expect(group.entries.every((entry) => specs.find((spec) => spec.name === entry.name)?.decays === group.decays)).toBe(true);
      const ends = group.entries.map((entry) => entry.offset + entry.size);
      expect(group.entries.map((entry) => entry.offset)).toEqual([0, ...ends.slice(0, -1)]);
      expect(ends.at(-1)).toBe(group.size);
    }
    expect([...layout.byName.keys()]).toEqual(specs.map((spec) => spec.name));
  });
});

describe('FlatStepState', () => {
  it('feeds each parameter as a view of its group buffer and unpacks the same values by name', () => {
    const parameters = initGpt2Parameters(config, 3);
    const state = FlatStepState.fromParameters(layout, parameters, 'float32');
    const feeds = state.parameterFeeds();
    const wte = feeds['transformer.wte.weight'] as HostTensor;
    const flat = state.flatFeeds()[trainStepNames.flatParameters('decay')] as HostTensor;
    expect(wte.data.buffer).toBe(flat.data.buffer);
    for (const [name, tensor] of parameters) {
      expect(valuesOf(feeds[name]), name).toEqual(valuesOf(tensor));
      expect(valuesOf(state.parameters().get(name)), name).toEqual(valuesOf(tensor));
    }
    expect(valuesOf(state.tensors().get(trainStepNames.secondMoment('transformer.wpe.weight')))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('makes what the step wrote into outputs() current on advance(), leaving earlier copies alone', () => {
    const state = FlatStepState.fromParameters(layout, initGpt2Parameters(config, 3), 'float32');
    const before = state.parameters();
    const outputs = state.outputs();
    const written = outputs[trainStepNames.updated(trainStepNames.flatParameters('plain'))] as HostTensor;
    (written.data as Float32Array).fill(0.5);
    state.advance();
    expect(valuesOf(state.parameters().get('transformer.ln_f.bias'))).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(valuesOf(before.get('transformer.ln_f.bias'))).toEqual([0, 0, 0, 0]);
    expect(state.outputs()[trainStepNames.updated(trainStepNames.flatParameters('plain'))]?.data).not.toBe(written.data);
  });

  it('writes over the buffers it reads when in place, and exports views of them that equal the copies', () => {
    const state = FlatStepState.fromParameters(layout, initGpt2Parameters(config, 3), 'float32', { inPlace: true });
    const name = trainStepNames.flatParameters('plain');
    expect(state.outputs()[trainStepNames.updated(name)]?.data).toBe(state.flatFeeds()[name]?.data);
    const views = state.tensorViews();
    expect([...views.keys()]).toEqual([...state.tensors().keys()]);
    for (const [key, tensor] of state.tensors()) expect(valuesOf(views.get(key)), key).toEqual(valuesOf(tensor));
    (state.outputs()[trainStepNames.updated(name)]?.data as Float32Array).fill(0.25);
    state.advance();
    expect(valuesOf(state.parameters().get('transformer.ln_f.bias'))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(valuesOf(views.get('transformer.ln_f.bias'))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('restores exported tensors and names the tensor a bad state lacks', () => {
    const state = FlatStepState.fromParameters(layout, initGpt2Parameters(config, 3), 'float32');
    const other = FlatStepState.fromParameters(layout, initGpt2Parameters(config, 4), 'float32');
    state.restore(other.tensors());
    expect(valuesOf(state.parameters().get('transformer.wte.weight'))).toEqual(valuesOf(other.parameters().get('transformer.wte.weight')));
    const broken = new Map(other.tensors());
    broken.delete(trainStepNames.firstMoment('transformer.h.0.attn.c_proj.weight'));
    expect(() => state.restore(broken)).toThrow(/saved state's Adam m: "transformer.h.0.attn.c_proj.weight" is missing/);
  });
});
