// The warning for a student that asks to start from its teacher's weights (distill's `initFromTeacher`) when the
// teacher's shape rules it out: the engine then starts from seeded weights and only says so in the node's log. The
// rule itself is app/models/teacher-init-rule.ts, which the engine applies at run time.
import { teacherInitObstacle, type TeacherInitShape } from '../models/teacher-init-rule.ts';
import type { NodeSpec } from '../nodes/spec.ts';
import type { Pipeline } from '../pipeline/schema.ts';
import type { ValidationProblem } from './problems.ts';

type Specs = ReadonlyMap<string, NodeSpec | undefined>;
type Configs = ReadonlyMap<string, Record<string, unknown>>;

interface Shape extends TeacherInitShape {
  node: string;
}

/** Warnings for nodes with `initFromTeacher: true` whose `teacher` input comes from a model of another width, or a shallower one. */
export function checkTeacherInit(pipeline: Pipeline, specs: Specs, configs: Configs): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    const config = configs.get(node.id);
    if (config?.initFromTeacher !== true || !specs.get(node.id)?.inputs.some((port) => port.name === 'teacher')) continue;
    const student = shapeOf(node.id, config);
    const teacher = teacherShape(pipeline, specs, configs, node.id);
    if (student === null || teacher === null) continue;
    const reason = teacherInitObstacle(student, teacher, `teacher "${teacher.node}"`);
    if (reason === null) continue;
    problems.push({
      node: node.id,
      field: 'initFromTeacher',
      code: 'teacher_init_skipped',
      severity: 'warning',
      message: `${reason}, so the student starts from its own seeded weights instead of the teacher's. Set nEmbd to ${teacher.nEmbd} and nLayer to at most ${teacher.nLayer} to start from the teacher, or turn initFromTeacher off`,
    });
  }
  return problems;
}

function shapeOf(node: string, config: Record<string, unknown>): Shape | null {
  const { nEmbd, nLayer } = config;
  return typeof nEmbd === 'number' && typeof nLayer === 'number' ? { node, nEmbd, nLayer } : null;
}

/**
 * The shape of the node that trained the model on `teacher`, followed back through nodes that pass a Model on
 * (quantize). Null when it cannot be known before the run (an imported model folder, a missing edge).
 */
function teacherShape(pipeline: Pipeline, specs: Specs, configs: Configs, nodeId: string): Shape | null {
  const seen = new Set<string>();
  let edge = pipeline.edges.find((candidate) => candidate.to.node === nodeId && candidate.to.port === 'teacher');
  while (edge !== undefined && !seen.has(edge.from.node)) {
    const from = edge.from.node;
    seen.add(from);
    const config = configs.get(from);
    const shape = config === undefined ? null : shapeOf(from, config);
    if (shape !== null) return shape;
    const modelInput = specs.get(from)?.inputs.find((port) => port.type === 'Model');
    edge = modelInput && pipeline.edges.find((candidate) => candidate.to.node === from && candidate.to.port === modelInput.name);
  }
  return null;
}
