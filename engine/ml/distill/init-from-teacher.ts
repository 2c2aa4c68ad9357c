// Student weights taken from the teacher, as DistilGPT2 started from GPT-2: the embeddings, the final LayerNorm and
// every k-th transformer block, copied when the shapes allow it (app/models/teacher-init-rule.ts). Everything else keeps
// the student's seeded init.

import { teacherInitObstacle } from '../../../app/models/teacher-init-rule.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';

export interface TeacherInitialization {
  /** The student's starting weights: teacher copies where they fit, the seeded init elsewhere. */
  parameters: ParameterSet;
  /** Teacher block index for each student block, in order; empty when nothing was copied. */
  layerMap: number[];
  /** Why the teacher's weights were not used, or null when they were. */
  skippedBecause: string | null;
}

/** Teacher block i·k for student block i, k = ⌊teacher layers / student layers⌋ (DistilBERT took every second). */
export function teacherLayerFor(studentLayer: number, studentLayers: number, teacherLayers: number): number {
  const stride = Math.max(1, Math.floor(teacherLayers / studentLayers));
  return studentLayer * stride;
}

export function initFromTeacher(student: Gpt2Config, studentInit: ParameterSet, teacher: Gpt2Config, teacherParameters: ParameterSet): TeacherInitialization {
  const skippedBecause = teacherInitObstacle(student, teacher);
  if (skippedBecause !== null) return { parameters: studentInit, layerMap: [], skippedBecause };
  const layerMap = Array.from({ length: student.nLayer }, (_, layer) => teacherLayerFor(layer, student.nLayer, teacher.nLayer));
  const parameters: ParameterSet = new Map();
  for (const [name, init] of studentInit) {
    const source = teacherParameters.get(teacherNameFor(name, layerMap));
    parameters.set(name, source === undefined ? init : copyInto(init, source));
  }
  return { parameters, layerMap, skippedBecause: null };
}

function teacherNameFor(studentName: string, layerMap: readonly number[]): string {
  return studentName.replace(/^transformer\.h\.(\d+)\./, (_, layer: string) => `transformer.h.${layerMap[Number(layer)]}.`);
}

/**
 * The teacher tensor in the student's shape. Same shapes copy whole; the position table copies its first rows when
 * the student's context is shorter. Any other mismatch (heads do not change shapes) keeps the student's init.
 */
function copyInto(init: HostTensor, source: HostTensor): HostTensor {
  const sameTail = init.shape.slice(1).join(',') === source.shape.slice(1).join(',');
  const fits = init.shape.length === source.shape.length && sameTail && (init.shape[0] ?? 0) <= (source.shape[0] ?? 0);
  if (!fits || init.dtype !== source.dtype) return init;
  const data = (source.data as Float32Array | Float64Array).slice(0, init.data.length);
  return { dtype: init.dtype, shape: init.shape, data };
}
