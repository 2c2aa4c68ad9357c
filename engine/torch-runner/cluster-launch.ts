// `crucible launch`'s folder: everything a cluster needs to run one pretrain or finetune node on the PyTorch trainer,
// and what `crucible runs import` reads back. DIR holds JOB.json (paths as the cluster sees them: `shared`), the
// trainer package, the token shards, a fine-tune's base weights, the tokenizer files, launch.json, and either a Slurm
// batch script (srun torchrun, c10d rendezvous on the first node) or a Kubeflow PyTorchJob manifest, plus a README.
//
// Kubernetes: a PyTorchJob (kubeflow.org/v1, the training operator), not Kubeflow Trainer's TrainJob. Its pod templates
// are plain Kubernetes, so the shared volume is an ordinary volume + mount; the API has been stable for years and is
// what most existing Kubeflow installs run. TrainJob (trainer.kubeflow.org/v1alpha1) is still alpha: its pod override
// field was renamed between releases (podSpecOverrides → podTemplateOverrides) and it needs a ClusterTrainingRuntime
// installed by the admin. The manifest is JSON, which kubectl applies as it does YAML.

import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../files/atomic-file.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import type { FinetuneJob } from '../ml/train/finetune-setup.ts';
import type { TokensArtifactPaths } from '../ml/train/tokens-artifact.ts';
import type { TrainingSettings } from '../ml/train/training-settings.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import { jobSha256, readTorchDoneRecord, TORCH_DONE_FILE } from './done-record.ts';
import { torchJob, torchJobText, writeTorchJob, type TorchDevice, type TorchJob, type TorchPrecision } from './job-file.ts';
import { TRAINER_MODULE, trainerPackageRoot } from './trainer-package.ts';

export type ClusterKind = 'slurm' | 'kubernetes';

export interface ClusterOptions {
  cluster: ClusterKind;
  nodes: number;
  /** GPUs per node; 0 trains on the nodes' CPUs. */
  gpusPerNode: number;
  /** Ranks per node: the GPUs, or the node's nprocPerNode (else 1) on CPUs. */
  nprocPerNode: number;
  /** Where DIR is on every cluster node (a shared filesystem path, or the volume's mount path in the pods). */
  shared: string;
  /** Kubernetes: the container image (PyTorch + numpy) and the PersistentVolumeClaim holding DIR. */
  image: string;
  pvc: string;
  /** Slurm: partition and time limit, when given. */
  partition?: string;
  time?: string;
  /** CPU threads per rank (OMP_NUM_THREADS). */
  threadsPerRank: number;
  precision: TorchPrecision;
}

/** What `crucible runs import` needs besides the trained files: the node, its inputs and how it was launched. */
export interface LaunchRecord {
  format: 'crucible.launch';
  version: 1;
  launchedAt: string;
  pipeline: { path: string; name: string };
  node: { id: string; type: 'pretrain' | 'finetune'; config: Record<string, unknown> };
  inputs: Record<string, { key: string; path: string }>;
  cluster: Omit<ClusterOptions, 'threadsPerRank'> & { device: TorchDevice };
  model: ModelConfig;
  /** A fine-tune's base model folder (the engine merges a LoRA run's adapters into its weights on import). */
  finetune: FinetuneJob | null;
}

export const LAUNCH_FILES = {
  record: 'launch.json',
  readme: 'README.md',
  slurm: 'job.sbatch',
  kubernetes: 'pytorchjob.json',
  data: 'data',
  init: 'init',
  tokenizer: 'tokenizer',
  out: 'out',
  logs: 'logs',
} as const;

/** The rendezvous port torchrun's c10d store listens on, on the first node. */
export const RDZV_PORT = 29500;

export interface LaunchInput {
  dir: string;
  kind: 'pretrain' | 'finetune';
  settings: TrainingSettings;
  model: ModelConfig;
  tokens: TokensArtifactPaths;
  finetune: FinetuneJob | null;
  options: ClusterOptions;
  record: Omit<LaunchRecord, 'format' | 'version' | 'launchedAt' | 'cluster' | 'model' | 'finetune'>;
}

export interface LaunchFolder {
  files: string[];
  job: TorchJob;
}

export function writeLaunchFolder(input: LaunchInput): LaunchFolder {
  const { dir, options } = input;
  const device: TorchDevice = options.gpusPerNode > 0 ? 'cuda' : 'cpu';
  if (input.settings.batchSize % (options.nprocPerNode * options.nodes) !== 0) {
    throw new Error(`launch: batchSize ${input.settings.batchSize} cannot be split evenly across ${options.nodes} nodes × ${options.nprocPerNode} ranks; use a multiple of ${options.nodes * options.nprocPerNode}`);
  }
  if (options.precision === 'bf16' && device !== 'cuda') throw new Error('launch: precision bf16 is autocast on CUDA GPUs; give --gpus-per-node, or set precision float32');
  if (options.cluster === 'slurm') checkSlurmSharedPath(options.shared);
  const local = (...parts: string[]) => path.join(dir, ...parts);
  const shared = (...parts: string[]) => path.posix.join(options.shared, ...parts);

  // The job first (it names the files where the cluster sees them), so nothing is written when it is refused.
  const data = {
    train: shared(LAUNCH_FILES.data, 'train.bin'),
    val: shared(LAUNCH_FILES.data, 'val.bin'),
    dtype: readDtype(`${input.tokens.trainBase}.json`),
    trainMask: input.tokens.trainMask === null ? null : shared(LAUNCH_FILES.data, 'train.mask'),
    valMask: input.tokens.valMask === null ? null : shared(LAUNCH_FILES.data, 'val.mask'),
  };
  const job = torchJob({
    kind: input.kind,
    settings: input.settings,
    model: input.model,
    init: input.finetune === null ? null : shared(LAUNCH_FILES.init, MODEL_FILES.weights),
    lora: input.finetune?.method === 'lora' ? (input.finetune.lora ?? null) : null,
    data,
    device,
    precision: options.precision,
    outDir: shared(LAUNCH_FILES.out),
  });
  refuseOtherJobsResult(dir, job);

  mkdirSync(dir, { recursive: true });
  for (const folder of [LAUNCH_FILES.data, LAUNCH_FILES.tokenizer, LAUNCH_FILES.out, LAUNCH_FILES.logs]) mkdirSync(local(folder), { recursive: true });
  // The data, with their sidecars and masks, where the job names them.
  for (const [base, name] of [[input.tokens.trainBase, 'train'], [input.tokens.valBase, 'val']] as const) {
    copyFileSync(`${base}.bin`, local(LAUNCH_FILES.data, `${name}.bin`));
    copyFileSync(`${base}.json`, local(LAUNCH_FILES.data, `${name}.json`));
  }
  for (const [mask, name] of [[input.tokens.trainMask, 'train'], [input.tokens.valMask, 'val']] as const) {
    if (mask !== null) copyFileSync(mask, local(LAUNCH_FILES.data, `${name}.mask`));
  }
  if (input.finetune !== null) {
    mkdirSync(local(LAUNCH_FILES.init), { recursive: true });
    copyFileSync(path.join(input.finetune.modelFolder, MODEL_FILES.weights), local(LAUNCH_FILES.init, MODEL_FILES.weights));
  }
  for (const [from, name] of [[input.tokens.tokenizerJson, MODEL_FILES.tokenizer], [input.tokens.tokenizerConfigJson, MODEL_FILES.tokenizerConfig]] as const) {
    if (from !== null && existsSync(from)) copyFileSync(from, local(LAUNCH_FILES.tokenizer, name));
  }
  cpSync(path.join(trainerPackageRoot(), TRAINER_MODULE), local(TRAINER_MODULE), { recursive: true, filter: (source) => !source.includes('__pycache__') });
  writeTorchJob(dir, job);
  const { threadsPerRank: _threads, ...cluster } = options;
  const record: LaunchRecord = { format: 'crucible.launch', version: 1, launchedAt: new Date().toISOString(), ...input.record, cluster: { ...cluster, device }, model: input.model, finetune: input.finetune };
  writeText(local(LAUNCH_FILES.record), `${JSON.stringify(record, null, 2)}\n`);
  const launcher = options.cluster === 'slurm' ? LAUNCH_FILES.slurm : LAUNCH_FILES.kubernetes;
  writeText(local(launcher), options.cluster === 'slurm' ? slurmScript(input, options) : `${JSON.stringify(pytorchJobManifest(input, options), null, 2)}\n`);
  writeText(local(LAUNCH_FILES.readme), launchReadme(input, options));
  return { files: ['JOB.json', LAUNCH_FILES.record, launcher, LAUNCH_FILES.readme, TRAINER_MODULE, LAUNCH_FILES.data, ...(job.init === null ? [] : [LAUNCH_FILES.init]), LAUNCH_FILES.tokenizer, LAUNCH_FILES.out], job };
}

/**
 * A folder launched before keeps that job's out/. When the trainer finished a different job there (its done.json
 * names other JOB.json bytes), launching over it would leave a result no launch.json describes any more: refused,
 * so it can be imported first. The same job again (a resubmission) may reuse out/ and its checkpoints.
 */
function refuseOtherJobsResult(dir: string, job: TorchJob): void {
  const out = path.join(dir, LAUNCH_FILES.out);
  const done = readTorchDoneRecord(out);
  if (done === null || done.jobSha256 === jobSha256(torchJobText(job))) return;
  throw new Error(`launch: ${out} holds the finished result of an earlier launch with other settings (${path.join(out, TORCH_DONE_FILE)}); import it first if you want it (crucible runs import ${dir}), then remove ${out}, or launch into another --out folder`);
}

/** torchrun's arguments for every node (the same on each: c10d rendezvous, ranks numbered by torchrun). */
export function torchrunArgs(options: ClusterOptions, nodes: string, endpoint: string, runId: string): string[] {
  return [
    '--nnodes', nodes,
    '--nproc_per_node', String(options.nprocPerNode),
    '--rdzv_id', runId,
    '--rdzv_backend', 'c10d',
    '--rdzv_endpoint', endpoint,
    // Debian's torch 1.13 torchrun fails without them (its defaults are None); elsewhere they only tee rank logs.
    '--redirects', '2', '--tee', '2',
    '-m', TRAINER_MODULE, 'train', '--job', path.posix.join(options.shared, 'JOB.json'),
  ];
}

function slurmScript(input: LaunchInput, options: ClusterOptions): string {
  const name = `crucible-${input.record.node.id}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  const directives = [
    `--job-name=${name}`,
    `--nodes=${options.nodes}`,
    '--ntasks-per-node=1',
    ...(options.gpusPerNode > 0 ? [`--gpus-per-node=${options.gpusPerNode}`] : []),
    `--cpus-per-task=${options.threadsPerRank * options.nprocPerNode}`,
    `--output=${sbatchValue(path.posix.join(options.shared, LAUNCH_FILES.logs, '%x-%j.out'), '--shared')}`,
    ...(options.partition === undefined ? [] : [`--partition=${sbatchValue(options.partition, '--partition')}`]),
    ...(options.time === undefined ? [] : [`--time=${sbatchValue(options.time, '--time')}`]),
  ];
  // Slurm's variables, double-quoted so that the shell expands them; every other argument is a literal, quoted whole.
  const expansions = ['"$SLURM_NNODES"', '"$HEAD_NODE:$RDZV_PORT"', '"$SLURM_JOB_ID"'] as const;
  const args = torchrunArgs(options, ...expansions).map((arg) => ((expansions as readonly string[]).includes(arg) ? arg : shellQuote(arg)));
  return [
    '#!/bin/bash',
    `# Crucible: node "${input.record.node.id}" (${input.kind}) of ${input.record.pipeline.name}, on the PyTorch trainer.`,
    `# Submit from a login node: sbatch ${shellQuote(path.posix.join(options.shared, LAUNCH_FILES.slurm))}   (README.md in this folder)`,
    ...directives.map((directive) => `#SBATCH ${directive}`),
    'set -euo pipefail',
    `SHARED=${shellQuote(options.shared)}`,
    '# torchrun from the Python that has PyTorch; set TORCHRUN to use another (e.g. a venv\'s bin/torchrun).',
    'TORCHRUN="${TORCHRUN:-torchrun}"',
    'export PYTHONPATH="$SHARED${PYTHONPATH:+:$PYTHONPATH}"',
    `export OMP_NUM_THREADS=${options.threadsPerRank}`,
    'HEAD_NODE=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    `RDZV_PORT="\${RDZV_PORT:-${RDZV_PORT}}"`,
    '# One torchrun per node; they meet at the first node and start the ranks there and everywhere else.',
    `srun --ntasks-per-node=1 "$TORCHRUN" ${args.join(' ')}`,
    '',
  ].join('\n');
}

/**
 * The PyTorchJob's name: a DNS-1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric; a run of
 * other characters becomes one '-'), at most 50 characters so that the operator's pod and service names
 * (NAME-master-0, NAME-worker-12) stay within 63.
 */
export function pytorchJobName(nodeId: string): string {
  return trimToAlphanumeric(`crucible-${nodeId}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 50));
}

/** A Kubernetes label value: at most 63 of [A-Za-z0-9_.-], starting and ending alphanumeric (may be empty). */
function labelValue(value: string): string {
  return trimToAlphanumeric(value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63));
}

function trimToAlphanumeric(value: string): string {
  return value.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function pytorchJobManifest(input: LaunchInput, options: ClusterOptions) {
  const name = pytorchJobName(input.record.node.id);
  const container = {
    name: 'pytorch',
    image: options.image,
    imagePullPolicy: 'IfNotPresent',
    // The operator sets MASTER_ADDR and MASTER_PORT (the master pod's service); torchrun meets there.
    command: ['torchrun', ...torchrunArgs(options, String(options.nodes), '$(MASTER_ADDR):$(MASTER_PORT)', name)],
    env: [
      { name: 'PYTHONPATH', value: options.shared },
      { name: 'OMP_NUM_THREADS', value: String(options.threadsPerRank) },
    ],
    resources: options.gpusPerNode > 0 ? { limits: { 'nvidia.com/gpu': options.gpusPerNode } } : { requests: { cpu: String(options.threadsPerRank * options.nprocPerNode) } },
    volumeMounts: [{ name: 'shared', mountPath: options.shared }],
  };
  const template = { spec: { containers: [container], volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: options.pvc } }] } };
  const replica = (replicas: number) => ({ replicas, restartPolicy: 'OnFailure', template });
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'crucible', 'crucible.dev/node': labelValue(input.record.node.id) } },
    spec: {
      nprocPerNode: String(options.nprocPerNode),
      runPolicy: { cleanPodPolicy: 'None', backoffLimit: 3 },
      pytorchReplicaSpecs: { Master: replica(1), ...(options.nodes > 1 ? { Worker: replica(options.nodes - 1) } : {}) },
    },
  };
}

function launchReadme(input: LaunchInput, options: ClusterOptions): string {
  const node = input.record.node.id;
  const submit =
    options.cluster === 'slurm'
      ? [
          `1. Put this folder where every node sees it as \`${options.shared}\` (it may already be there), e.g.`,
          `   \`rsync -a ./ ${shellQuote(`LOGIN_NODE:${options.shared}/`)}\``,
          `2. On the login node: \`sbatch ${shellQuote(path.posix.join(options.shared, LAUNCH_FILES.slurm))}\`. Each node runs one torchrun with ${options.nprocPerNode} rank${options.nprocPerNode === 1 ? '' : 's'}; they meet at the first node (c10d, port ${RDZV_PORT}).`,
          `3. Follow it: \`squeue --me\`, \`tail -f ${shellQuote(path.posix.join(options.shared, LAUNCH_FILES.logs))}/crucible-*.out\` (rank 0's JSON lines are the progress: step, eval, checkpoint, done).`,
          '   The nodes need Python 3 with PyTorch and numpy (`python3 -m pip install torch numpy`); set TORCHRUN if torchrun is not on PATH.',
        ]
      : [
          `1. Copy this folder onto the PersistentVolumeClaim \`${options.pvc}\` (mounted at \`${options.shared}\` in the pods), e.g. from a pod that mounts it:`,
          `   \`kubectl cp ./ ${shellQuote(`POD:${options.shared}/`)}\``,
          `2. \`kubectl apply -f ${LAUNCH_FILES.kubernetes}\` (needs the Kubeflow training operator, which runs PyTorchJob). ${options.nodes} pod${options.nodes === 1 ? '' : 's'}, ${options.nprocPerNode} rank${options.nprocPerNode === 1 ? '' : 's'} each, image \`${options.image}\` (PyTorch and numpy).`,
          `3. Follow it: \`kubectl get pytorchjobs\`, \`kubectl logs -f ${pytorchJobName(node)}-master-0\`.`,
        ];
  return [
    `# Crucible launch: ${node} (${input.kind}) on ${options.cluster}`,
    '',
    `Pipeline: ${input.record.pipeline.name} (${input.record.pipeline.path}). Launched ${new Date().toISOString()}.`,
    `${options.nodes} node${options.nodes === 1 ? '' : 's'} × ${options.nprocPerNode} rank${options.nprocPerNode === 1 ? '' : 's'} on ${options.gpusPerNode > 0 ? `${options.gpusPerNode} GPU${options.gpusPerNode === 1 ? '' : 's'} per node` : 'CPUs'}, ${options.precision}; ${input.settings.maxSteps} steps of ${input.settings.batchSize} × ${input.settings.blockSize} tokens${input.settings.gradAccumSteps > 1 ? ` × ${input.settings.gradAccumSteps} micro-batches` : ''} (the batch is shared out across all ranks, so the run follows the same trajectory as on one machine).`,
    '',
    '## Submit',
    '',
    ...submit,
    '',
    'An interrupted job resumes: submit it again and the trainer continues from the last checkpoint in `out/`.',
    '',
    '## Bring the result back',
    '',
    `When \`out/${TORCH_DONE_FILE}\` exists (the log ends with a \`"done"\` event), copy \`${options.shared}/out\` back into this folder's \`out/\`, whole, and run:`,
    '',
    '    crucible runs import THIS_FOLDER',
    '',
    "It builds the Crucible model folder (ONNX decoder, tokenizer, model card, the run's metrics) in the engine's artifact",
    'store, with the launch, the node and its inputs in crucible-provenance.json, and prints its path for evaluate, quantize,',
    `export and deploy. It takes the result only when \`out/${TORCH_DONE_FILE}\`, which the trainer writes last, names this folder's JOB.json.`,
    '',
    '## What is here',
    '',
    '| path | what |',
    '| --- | --- |',
    '| `JOB.json` | the trainer\'s job (paths as the cluster sees them) |',
    `| \`${LAUNCH_FILES.record}\` | the node, its inputs and the launch, for \`crucible runs import\` |`,
    `| \`${options.cluster === 'slurm' ? LAUNCH_FILES.slurm : LAUNCH_FILES.kubernetes}\` | the ${options.cluster === 'slurm' ? 'Slurm batch script' : 'Kubeflow PyTorchJob'} |`,
    `| \`${TRAINER_MODULE}/\` | Crucible's PyTorch trainer (torch and numpy only) |`,
    '| `data/` | the token shards (and loss masks) |',
    ...(input.finetune === null ? [] : ['| `init/` | the base model\'s weights |']),
    '| `tokenizer/` | the tokenizer files the model folder gets |',
    `| \`out/\` | the trainer writes checkpoints, model.safetensors, config.json and, last, ${TORCH_DONE_FILE} here |`,
    '',
  ].join('\n');
}

function readDtype(sidecar: string): 'uint16' | 'uint32' {
  const { dtype } = JSON.parse(readFileSync(sidecar, 'utf8')) as { dtype: 'uint16' | 'uint32' };
  return dtype;
}

function writeText(file: string, text: string): void {
  writeFileAtomically(file, (append) => append(Buffer.from(text, 'utf8')));
}

/**
 * --shared on a Slurm cluster. sbatch reads its #SBATCH lines itself, not through a shell (src/sbatch/opt.c,
 * _get_argument): double quotes group whitespace and '#', a backslash escapes, and --output expands '%' patterns. A
 * path with a double quote, a backslash, a '%' or a control character has no #SBATCH form that names it.
 */
function checkSlurmSharedPath(shared: string): void {
  const bad = /["\\%\p{Cc}]/u.exec(shared);
  if (bad === null) return;
  throw new Error(`launch: the shared path ${JSON.stringify(shared)} has ${JSON.stringify(bad[0])}, which a Slurm #SBATCH --output line cannot name (sbatch reads those lines without a shell, and expands '%'); put the folder at a path without double quotes, backslashes, '%' or control characters and give it as --shared (or --out)`);
}

/** An #SBATCH option's value, double-quoted when it holds whitespace, '#' or a single quote (sbatch's parser quotes with it too). */
function sbatchValue(value: string, option: string): string {
  if (/["\\\p{Cc}]/u.test(value)) throw new Error(`launch: ${option} ${JSON.stringify(value)} has a double quote, a backslash or a control character, which an #SBATCH line cannot carry; give it without them`);
  return /[\s#']/.test(value) ? `"${value}"` : value;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
