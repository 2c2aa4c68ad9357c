// Initialising a student from its teacher: which teacher block each student block copies, the embeddings and the
// shortened position table, and the cases where the student keeps its own init.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { initFromTeacher, teacherLayerFor } from './init-from-teacher.ts';

const teacherConfig = gpt2Config({ vocabSize: 11, nLayer: 6, nHead: 2, nEmbd: 8, blockSize: 16 });
const teacher = initGpt2Parameters(teacherConfig, 1);

describe('teacherLayerFor', () => {
  it('takes every k-th teacher block, k = ⌊teacher / student⌋', () => {
    expect([0, 1, 2].map((layer) => teacherLayerFor(layer, 3, 6))).toEqual([0, 2, 4]);
    expect([0, 1, 2, 3].map((layer) => teacherLayerFor(layer, 4, 6))).toEqual([0, 1, 2, 3]);
    expect([0, 1].map((layer) => teacherLayerFor(layer, 2, 12))).toEqual([0, 6]);
  });
});

describe('initFromTeacher', () => {
  it('copies the embeddings, ln_f and every k-th block, and the first rows of the position table', () => {
    const studentConfig = gpt2Config({ vocabSize: 11, nLayer: 3, nHead: 4, nEmbd: 8, blockSize: 8 });
    const studentInit = initGpt2Parameters(studentConfig, 2);
    const { parameters, layerMap, skippedBecause } = initFromTeacher(studentConfig, studentInit, teacherConfig, teacher);
    expect(skippedBecause).toBeNull();
    expect(layerMap).toEqual([0, 2, 4]);
    expect(parameters.get('transformer.wte.weight')?.data).toEqual(teacher.get('transformer.wte.weight')?.data);
    expect(parameters.get('transformer.ln_f.weight')?.data).toEqual(teacher.get('transformer.ln_f.weight')?.data);
    expect(parameters.get('transformer.h.1.attn.c_attn.weight')?.data).toEqual(teacher.get('transformer.h.2.attn.c_attn.weight')?.data);
    expect(parameters.get('transformer.h.2.mlp.c_proj.bias')?.data).toEqual(teacher.get('transformer.h.4.mlp.c_proj.bias')?.data);
    const positions = parameters.get('transformer.wpe.weight');
    expect(positions?.shape).toEqual([8, 8]);
    expect(positions?.data).toEqual(teacher.get('transformer.wpe.weight')?.data.slice(0, 64));
    expect([...parameters.keys()]).toEqual([...studentInit.keys()]);
  });

  it('keeps the student init and says why when the widths or vocabularies differ or the student is deeper', () => {
    const narrow = gpt2Config({ vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 4, blockSize: 8 });
    const narrowInit = initGpt2Parameters(narrow, 3);
    const result = initFromTeacher(narrow, narrowInit, teacherConfig, teacher);
    expect(result.skippedBecause).toBe("the student's width (nEmbd 4) differs from the teacher's (8)");
    expect(result.parameters).toBe(narrowInit);
    const deep = gpt2Config({ vocabSize: 11, nLayer: 7, nHead: 2, nEmbd: 8, blockSize: 8 });
    expect(initFromTeacher(deep, initGpt2Parameters(deep, 3), teacherConfig, teacher).skippedBecause).toMatch(/more layers \(7\) than the teacher \(6\)/);
    const otherVocabulary = gpt2Config({ vocabSize: 12, nLayer: 2, nHead: 2, nEmbd: 8, blockSize: 8 });
    expect(initFromTeacher(otherVocabulary, initGpt2Parameters(otherVocabulary, 3), teacherConfig, teacher).skippedBecause).toBe("the student's vocabulary (12 tokens) differs from the teacher's (11)");
  });
});
