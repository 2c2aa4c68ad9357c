// The distill node: trains a smaller student to mimic a teacher model (the DistilGPT2 recipe).
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { architectureFields, checkArchitecture, checkSchedule, trainingFields } from '../shared/fields.ts';

export const distillConfig = z.strictObject({
  ...architectureFields({ nLayer: 4, nHead: 4, nEmbd: 128 }),
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
  docs: 'Loss = alpha · T² · KL(teacher/T ‖ student/T) + (1 − alpha) · CE(student, targets). Teacher and student must share the tokenizer.',
  version: 1,
  inputs: [
    { name: 'teacher', type: 'Model', title: 'Teacher', description: 'The larger model to learn from.' },
    { name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Token shards made with the teacher’s tokenizer.' },
  ],
  outputs: [{ name: 'model', type: 'Model', title: 'Student', description: 'The distilled student model.' }],
  config: distillConfig,
  checkConfig: (config) => [...checkArchitecture(config), ...checkSchedule(config)],
});
