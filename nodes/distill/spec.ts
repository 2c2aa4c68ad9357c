// The distill node: trains a smaller student to mimic a teacher model (the DistilGPT2 recipe).
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { architectureFields, biasField, CACHE_NEUTRAL_TRAINING_FIELDS, checkArchitecture, checkSchedule, dropoutField, trainingFields } from '../shared/fields.ts';

export const distillConfig = z.strictObject({
  ...architectureFields({ nLayer: 4, nHead: 4, nEmbd: 128 }),
  blockSize: z.number().int().min(2).max(32_768).optional().describe("The student's context length in tokens; the teacher's when left empty, and never longer."),
  dropout: dropoutField.describe('Dropout probability while the student trains.'),
  bias: biasField.describe("Use biases in the student's linear layers and LayerNorms."),
  temperature: z.number().positive().max(100).default(2.0).describe('Softmax temperature T for the teacher and student distributions.'),
  alpha: z.number().min(0).max(1).default(0.5).describe('Weight of the distillation (KL) term; 1 − alpha weighs the cross-entropy on targets.'),
  initFromTeacher: z.boolean().default(true).describe('Copy every k-th teacher layer and the embeddings when the widths match.'),
  ...trainingFields,
});

export const distillSpec = defineNodeSpec({
  type: 'distill',
  title: 'Distill',
  category: 'Optimization',
  icon: 'flask',
  summary: 'Train a smaller student model to mimic a teacher.',
  docs: 'Loss = alpha · T² · KL(teacher/T ‖ student/T) + (1 − alpha) · CE(student, targets), the DistilGPT2 recipe. Teacher and student must share the tokenizer. Progress shows the KD and CE parts; the report compares parameters, val loss and decode speed of teacher and student.',
  version: 1,
  cacheNeutralFields: CACHE_NEUTRAL_TRAINING_FIELDS,
  inputs: [
    { name: 'teacher', type: 'Model', title: 'Teacher', description: 'The larger model to learn from.' },
    { name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Token shards made with the teacher’s tokenizer.' },
  ],
  outputs: [{ name: 'model', type: 'Model', title: 'Student', description: 'The distilled student model.' }],
  config: distillConfig,
  sameTokenizer: ['teacher', 'tokens'],
  checkConfig: (config) => [...checkArchitecture(config), ...checkSchedule(config)],
});
