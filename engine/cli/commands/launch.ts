// `crucible launch FILE --target NODE --cluster slurm|kubernetes --nodes N --gpus-per-node G --out DIR`: runs what the
// pretrain or finetune node NODE needs (its data, its base model) here, then writes DIR for a cluster to train it on
// the PyTorch trainer (engine/torch-runner/cluster-launch.ts). `crucible runs import DIR` brings the result back.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import type { FinetuneConfig, FinetuneRequest, PretrainConfig } from '../../../nodes/capabilities/training.ts';
import { finetuneJobFrom, finetuneSettingsFrom } from '../../capabilities/finetune-job.ts';
import { llamaShapeFrom, trainingSettingsFrom } from '../../capabilities/training-capability.ts';
import type { Engine } from '../../engine.ts';
import { readModelConfig } from '../../ml/export/model-folder.ts';
import { tokensArtifactPaths } from '../../ml/train/tokens-artifact.ts';
import { writeLaunchFolder, type ClusterKind } from '../../torch-runner/cluster-launch.ts';
import { modelConfigForRun } from '../../torch-runner/torch-training.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { readPipelineFile } from '../read-pipeline-file.ts';

/** An image with PyTorch and numpy for the Kubernetes pods (override with --image). */
export const DEFAULT_TRAINER_IMAGE = 'pytorch/pytorch:2.4.1-cuda12.1-cudnn9-runtime';
/** CPU threads per rank when the node's threads field leaves it to the machine (the cluster's cores are unknown here). */
const DEFAULT_THREADS_PER_RANK = 4;

export const LAUNCH_USAGE = `  launch FILE --target NODE --cluster slurm|kubernetes --out DIR
      [--nodes N] [--gpus-per-node G] [--shared PATH]
      [--partition P] [--time HH:MM:SS]          (slurm)
      [--image IMAGE] [--pvc NAME]               (kubernetes)
                                Write a cluster job for a pretrain/finetune node on the PyTorch trainer: its data,
                                the trainer, JOB.json, an sbatch script or a PyTorchJob, and a README (--shared: where
                                DIR is on the cluster's nodes; default DIR)
  runs import DIR               Bring a launched job's trained model back into the artifact store`;

export interface LaunchOptions {
  file: string;
  target: string;
  cluster: ClusterKind;
  nodes: number | undefined;
  gpusPerNode: number;
  out: string;
  shared: string | undefined;
  image: string;
  pvc: string;
  partition: string | undefined;
  time: string | undefined;
}

export function parseLaunchArgs(args: string[], cwd: string): LaunchOptions & { dataDir: string | undefined } {
  const { values, positionals } = parseArgs({
    args,
    options: {
      target: { type: 'string' },
      cluster: { type: 'string' },
      nodes: { type: 'string' },
      'gpus-per-node': { type: 'string' },
      out: { type: 'string' },
      shared: { type: 'string' },
      image: { type: 'string' },
      pvc: { type: 'string' },
      partition: { type: 'string' },
      time: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('launch needs one pipeline FILE');
  if (values.target === undefined) throw new UsageError('launch needs --target NODE (a pretrain or finetune node)');
  if (values.cluster !== 'slurm' && values.cluster !== 'kubernetes') throw new UsageError(`--cluster must be slurm or kubernetes, got "${values.cluster ?? ''}"`);
  if (values.out === undefined) throw new UsageError('launch needs --out DIR (the folder to write the job into)');
  const count = (name: string, value: string | undefined, min: number): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > 4096) throw new UsageError(`--${name} must be a whole number from ${min} to 4096, got "${value}"`);
    return parsed;
  };
  if (values.shared !== undefined && !path.posix.isAbsolute(values.shared)) throw new UsageError(`--shared must be an absolute path on the cluster's nodes, got "${values.shared}"`);
  return {
    file: positionals[0] as string,
    target: values.target,
    cluster: values.cluster,
    nodes: count('nodes', values.nodes, 1),
    gpusPerNode: count('gpus-per-node', values['gpus-per-node'], 0) ?? 0,
    out: path.resolve(cwd, values.out),
    shared: values.shared,
    image: values.image ?? DEFAULT_TRAINER_IMAGE,
    pvc: values.pvc ?? 'crucible-shared',
    partition: values.partition,
    time: values.time,
    dataDir: values['data-dir'],
  };
}

export async function launchCommand(engine: Engine, registry: NodeRegistry, options: LaunchOptions, io: CliIo): Promise<number> {
  try {
    return await launch(engine, registry, options, io);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.stderr.write(`${(error as Error).message}\n`);
    return EXIT.failed;
  }
}

async function launch(engine: Engine, registry: NodeRegistry, options: LaunchOptions, io: CliIo): Promise<number> {
  const file = await readPipelineFile(options.file, io.cwd, registry);
  if (!file.ok) {
    io.stderr.write(`${file.message}\n`);
    return EXIT.unreadable;
  }
  const pipeline = file.document.pipeline;
  if (pipeline === null) {
    io.stderr.write(`${options.file}: not a pipeline file (${file.document.problems.map((problem) => problem.message).join('; ')})\n`);
    return EXIT.failed;
  }
  const node = pipeline.nodes.find((candidate) => candidate.id === options.target);
  if (node === undefined) throw new UsageError(`--target ${options.target}: no such node in ${options.file} (nodes: ${pipeline.nodes.map((candidate) => candidate.id).join(', ')})`);
  if (node.type !== 'pretrain' && node.type !== 'finetune') throw new UsageError(`--target ${options.target} is a ${node.type} node; launch trains a pretrain or finetune node`);
  const spec = registry.get(node.type);
  if (spec === undefined) throw new Error(`no spec for node type ${node.type}`);
  const config = spec.config.parse(node.config) as PretrainConfig | FinetuneConfig;

  // The node's inputs, made here (or found in the cache).
  const incoming = pipeline.edges.filter((edge) => edge.to.node === node.id);
  const upstream = [...new Set(incoming.map((edge) => edge.from.node))];
  io.stderr.write(`launch: making ${node.id}'s inputs here (${upstream.join(', ')})…\n`);
  const { runId } = engine.startRun({ pipeline: file.document.pipeline, pipelinePath: file.path, targets: upstream });
  const finished = await engine.finished(runId);
  if (finished?.status !== 'succeeded') {
    const failed = Object.entries(finished?.nodes ?? {}).filter(([, summary]) => summary.state === 'failed').map(([id, summary]) => `${id}: ${summary.error?.message ?? 'failed'}`);
    io.stderr.write(`launch: the inputs of ${node.id} could not be made (${failed.join('; ') || finished?.status}); see crucible logs last\n`);
    return EXIT.failed;
  }
  const inputs: Record<string, { key: string; path: string }> = {};
  for (const edge of incoming) {
    const artifact = finished.nodes[edge.from.node]?.artifacts?.[edge.from.port];
    if (artifact === undefined) throw new Error(`launch: ${edge.from.node}.${edge.from.port} produced no artifact`);
    inputs[edge.to.port] = { key: artifact.key, path: artifact.path };
  }
  const tokensInput = inputs.tokens;
  if (tokensInput === undefined) throw new UsageError(`${node.id} has no tokens input connected`);
  const tokens = tokensArtifactPaths(tokensInput.path);

  let settings;
  let finetune = null;
  if (node.type === 'finetune') {
    const modelInput = inputs.model;
    if (modelInput === undefined) throw new UsageError(`${node.id} has no model input connected`);
    const finetuneConfig = config as FinetuneConfig;
    settings = finetuneSettingsFrom(finetuneConfig, readModelConfig(modelInput.path));
    finetune = finetuneJobFrom({ config: finetuneConfig, modelFolder: modelInput.path, modelKey: modelInput.key } as FinetuneRequest);
  } else {
    settings = trainingSettingsFrom(config as PretrainConfig);
  }
  const model = modelConfigForRun(settings, tokens, finetune, node.type === 'pretrain' ? llamaShapeFrom(config as PretrainConfig) : undefined);
  const nodes = options.nodes ?? config.nnodes;
  const nprocPerNode = config.nprocPerNode ?? (options.gpusPerNode > 0 ? options.gpusPerNode : 1);
  if (options.gpusPerNode > 0 && nprocPerNode > options.gpusPerNode) throw new UsageError(`${node.id}'s nprocPerNode (${nprocPerNode}) is more than --gpus-per-node ${options.gpusPerNode}; one rank per GPU`);
  const threadsPerRank = settings.threads > 0 ? Math.max(1, Math.floor(settings.threads / nprocPerNode)) : DEFAULT_THREADS_PER_RANK;
  const shared = options.shared ?? options.out;
  const written = writeLaunchFolder({
    dir: options.out,
    kind: node.type,
    settings,
    model,
    tokens,
    finetune,
    options: { cluster: options.cluster, nodes, gpusPerNode: options.gpusPerNode, nprocPerNode, shared, image: options.image, pvc: options.pvc, partition: options.partition, time: options.time, threadsPerRank, precision: config.precision },
    record: { pipeline: { path: file.path, name: pipeline.name }, node: { id: node.id, type: node.type, config: config as unknown as Record<string, unknown> }, inputs },
  });
  io.stdout.write(`wrote ${options.out}: ${written.files.join(', ')}\n`);
  io.stdout.write(`${nodes} node${nodes === 1 ? '' : 's'} × ${nprocPerNode} rank${nprocPerNode === 1 ? '' : 's'} on ${written.job.device}; submit and bring back as ${path.join(options.out, 'README.md')} says (then: crucible runs import ${options.out})\n`);
  return EXIT.ok;
}
