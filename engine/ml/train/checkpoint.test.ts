// Checkpoints round-trip every field, refuse damaged files and malformed metadata naming the file and the folder to
// delete, name the file when a write fails, and are atomic: a writer SIGKILLed in the middle of rewriting one leaves a
// complete, self-consistent checkpoint behind.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../export/safetensors.ts';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { CHECKPOINT_CHILD_ELEMENTS } from './testing/checkpoint-writer.child.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'crucible-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkpoints', () => {
  it('round-trips tensors, step, generator states and metrics', () => {
    const folder = path.join(root, 'round-trip');
    const tensors = new Map([
      ['transformer.wte.weight', { dtype: 'float32' as const, shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 4, 5, 6]) }],
      ['adam.m.transformer.wte.weight', { dtype: 'float32' as const, shape: [3, 2], data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) }],
    ]);
    writeCheckpoint(path.join(folder), { step: 7, session: { tensors, stepCount: 7, dropoutRandomState: 123456 }, samplerState: 42, fingerprint: 'abc', metrics: { valLoss: 2.5 } });
    const read = readCheckpoint(folder);
    expect(read).toMatchObject({ step: 7, samplerState: 42, fingerprint: 'abc', metrics: { valLoss: 2.5 }, session: { stepCount: 7, dropoutRandomState: 123456 } });
    expect(read?.session.tensors).toEqual(tensors);
    expect(readCheckpoint(path.join(root, 'missing'))).toBeNull();
  });

  it('names a truncated checkpoint file instead of loading it', () => {
    const folder = path.join(root, 'truncated');
    const data = new Float32Array(1000).fill(1);
    writeCheckpoint(folder, { step: 1, session: { tensors: new Map([['w', { dtype: 'float32', shape: [1000], data }]]), stepCount: 1, dropoutRandomState: 1 }, samplerState: 1, fingerprint: 'f', metrics: {} });
    truncateSync(path.join(folder, CHECKPOINT_FILE), 2000);
    const read = () => readCheckpoint(folder);
    expect(read).toThrow(`${path.join(folder, CHECKPOINT_FILE)}: the training checkpoint cannot be read (tensor "w" ends at byte 4${''}`);
    expect(read).toThrow(/the file is truncated\); delete .*truncated \(this training's checkpoint folder.*\) to start this training over from step 0$/);
    expect(read).not.toThrow(/re-export or re-download/);
    truncateSync(path.join(folder, CHECKPOINT_FILE), 0);
    expect(read).toThrow(/checkpoint cannot be read \(only 0 bytes, too short for a safetensors header; the file is damaged or not a safetensors file\); delete /);
  });

  it('refuses metadata that is not JSON or out of shape instead of resuming from it', () => {
    const valid = { version: 1, step: 3, stepCount: 3, dropoutRandomState: 25638, samplerState: 503954614, fingerprint: 'f', metrics: { loss: 3.9 } };
    const cases: [string, string, RegExp][] = [
      ['not-json', '{"version":1, "step": 3,', /metadata "crucible\.checkpoint" is not valid JSON at line 1/],
      ['no-generators', JSON.stringify({ ...valid, samplerState: undefined, dropoutRandomState: undefined }), /damaged: dropoutRandomState: is missing; samplerState: is missing; delete /],
      ['step-text', JSON.stringify({ ...valid, step: '3' }), /damaged: step: must be a number, not "3"; delete /],
      ['step-negative', JSON.stringify({ ...valid, step: -5 }), /damaged: step: must not be negative; delete /],
      ['step-fraction', JSON.stringify({ ...valid, step: 2.5 }), /damaged: step: must be a whole number; delete /],
      ['sampler-too-large', JSON.stringify({ ...valid, samplerState: 2 ** 32 }), /damaged: samplerState: must fit in 32 bits; delete /],
      ['version-2', JSON.stringify({ ...valid, version: 2 }), /is version 2, and this Crucible reads version 1/],
    ];
    for (const [name, metadata, problem] of cases) {
      const folder = path.join(root, 'metadata', name);
      mkdirSync(folder, { recursive: true });
      writeSafetensors(path.join(folder, CHECKPOINT_FILE), new Map([['w', { dtype: 'float32', shape: [1], data: Float32Array.of(1) }]]), { 'crucible.checkpoint': metadata });
      const read = () => readCheckpoint(folder, { fingerprint: 'f', maxSteps: 10 });
      expect(read, name).toThrow(problem);
      expect(read, name).toThrow(`${path.join(folder, CHECKPOINT_FILE)}: the training checkpoint `);
      expect(read, name).toThrow(`delete ${folder} (this training's checkpoint folder`);
    }
  });

  it("refuses a step past the run's maxSteps for its own fingerprint, and leaves another run's checkpoint to be ignored", () => {
    const folder = path.join(root, 'past-the-end');
    const session = { tensors: new Map([['w', { dtype: 'float32' as const, shape: [1], data: Float32Array.of(1) }]]), stepCount: 12, dropoutRandomState: 1 };
    writeCheckpoint(folder, { step: 12, session, samplerState: 1, fingerprint: 'f', metrics: {} });
    expect(() => readCheckpoint(folder, { fingerprint: 'f', maxSteps: 10 })).toThrow(/is at step 12, past this run's 10 steps; delete /);
    expect(readCheckpoint(folder, { fingerprint: 'f', maxSteps: 12 })?.step).toBe(12);
    expect(readCheckpoint(folder, { fingerprint: 'other settings', maxSteps: 10 })?.fingerprint).toBe('f');
  });

  it('names the checkpoint file and the step when a write fails', () => {
    const folder = path.join(root, 'write-fails');
    const session = { tensors: new Map([['w', { dtype: 'float32' as const, shape: [1], data: Float32Array.of(1) }]]), stepCount: 1, dropoutRandomState: 1 };
    // A folder where the checkpoint folder should be: the write fails as it would on a full or read-only disk.
    mkdirSync(path.join(root, 'blocked'), { recursive: true });
    writeFileSync(path.join(root, 'blocked', 'file'), 'x');
    const blocked = path.join(root, 'blocked', 'file', 'checkpoints');
    expect(() => writeCheckpoint(blocked, { step: 4, session, samplerState: 1, fingerprint: 'f', metrics: {} })).toThrow(
      new RegExp(`^could not write the training checkpoint ${escape(path.join(blocked, CHECKPOINT_FILE))} at step 4 \\(ENOTDIR: .*\\); make room on its disk`),
    );
    // The final rename fails when a folder with files in it has taken the file's name; its temp file goes.
    mkdirSync(path.join(folder, CHECKPOINT_FILE, 'inside'), { recursive: true });
    expect(() => writeCheckpoint(folder, { step: 2, session, samplerState: 2, fingerprint: 'f', metrics: {} })).toThrow(`could not write the training checkpoint ${path.join(folder, CHECKPOINT_FILE)} at step 2 (`);
    expect(readdirSync(folder)).toEqual([CHECKPOINT_FILE]);
  });

  it('survives a SIGKILL in the middle of a rewrite with a complete earlier or later version', async () => {
    const folder = path.join(root, 'killed');
    await killWriterDuringWrite(folder);
    const checkpoint = readCheckpoint(folder);
    expect(checkpoint).not.toBeNull();
    const step = checkpoint?.step as number;
    expect(step).toBeGreaterThanOrEqual(2);
    const weights = checkpoint?.session.tensors.get('w')?.data as Float32Array;
    const moments = checkpoint?.session.tensors.get('adam.m.w')?.data as Float32Array;
    expect(weights.length).toBe(CHECKPOINT_CHILD_ELEMENTS);
    expect(weights.every((value) => value === step) && moments.every((value) => value === -step)).toBe(true);
    expect(checkpoint?.samplerState).toBe(step);
    expect(readdirSync(folder).some((name) => name.endsWith('.tmp')), 'the kill landed mid-write').toBe(true);
    writeCheckpoint(folder, { ...(checkpoint as NonNullable<typeof checkpoint>), step: step + 1 });
    expect(readdirSync(folder)).toEqual([CHECKPOINT_FILE]);
  });

  it("keeps the temp file of another run still writing into the same folder, and removes it once that run is gone", async () => {
    const folder = path.join(root, 'shared');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const temp = `${CHECKPOINT_FILE}.${other.pid}.0a1b2c3d.tmp`;
    const session = { tensors: new Map([['w', { dtype: 'float32' as const, shape: [2], data: Float32Array.of(1, 2) }]]), stepCount: 1, dropoutRandomState: 1 };
    try {
      writeCheckpoint(folder, { step: 1, session, samplerState: 1, fingerprint: 'f', metrics: {} });
      writeFileSync(path.join(folder, temp), 'being written');
      writeCheckpoint(folder, { step: 2, session, samplerState: 2, fingerprint: 'f', metrics: {} });
      expect(readdirSync(folder).sort()).toEqual([CHECKPOINT_FILE, temp]);
    } finally {
      const exited = new Promise((resolve) => other.once('exit', resolve));
      other.kill('SIGKILL');
      await exited;
    }
    writeCheckpoint(folder, { step: 3, session, samplerState: 3, fingerprint: 'f', metrics: {} });
    expect(readdirSync(folder)).toEqual([CHECKPOINT_FILE]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Starts the looping writer and, after its second complete write, SIGKILLs it while a temp file is being written. */
function killWriterDuringWrite(folder: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'testing/checkpoint-writer.child.ts'), folder], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let polling: NodeJS.Timeout | undefined;
    const killOnceTempFileExists = () => {
      // Frozen before the look, so a temp file seen is still being written when the SIGKILL lands (on a loaded
      // machine this process can be paused between the look and the kill while the writer renames it).
      child.kill('SIGSTOP');
      if (!readdirSync(folder).some((name) => name.endsWith('.tmp'))) {
        child.kill('SIGCONT');
        return;
      }
      clearInterval(polling);
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('wrote 2\n') && !polling) polling = setInterval(killOnceTempFileExists, 1);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (_code, signal) => {
      clearInterval(polling);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited without being killed: ${stderr}`));
    });
  });
}
