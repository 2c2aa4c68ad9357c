// The quantize node: weight-only int8/int4 quantization of every linear layer through MatMulNBits.
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';

export const quantizeConfig = z.strictObject({
  scheme: z.enum(['int8', 'int4']).default('int4').describe('Bits per weight.'),
  blockSize: z.union([z.literal(16), z.literal(32), z.literal(64), z.literal(128)]).default(32).describe('Weights sharing one scale (16, 32, 64 or 128).'),
  symmetric: z.boolean().default(true).describe('Symmetric quantization (no zero points).'),
  accuracyLevel: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).default(4).describe('MatMulNBits compute precision; 4 computes in int8 and is the fast path.'),
  quantizeEmbeddings: z.boolean().default(false).describe('Also quantize the token embedding and tied output head.'),
});

export const quantizeSpec = defineNodeSpec({
  type: 'quantize',
  title: 'Quantize',
  category: 'Optimization',
  icon: 'compress',
  summary: 'Shrink a model with int8 or int4 weights and measure what it costs.',
  docs: 'Writes `onnx/model_int8.onnx` or `onnx/model_q4.onnx` beside the float32 decoder and reports size, perplexity and speed against it.',
  version: 1,
  inputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'A float32 model.' }],
  outputs: [{ name: 'model', type: 'Model', title: 'Quantized model', description: 'The same model folder with a quantized decoder.' }],
  config: quantizeConfig,
});
