// `crucible serve MODEL_DIR` through runCli: flags become the deploy and endpoint configs, it announces the device and
// URL once the model is loaded, serves with auth "none" on loopback, and stops on Ctrl-C; bad flags are usage errors,
// and a damaged model file ends it with one message naming the file before anything is served.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedUpstream } from '../../endpoint/gateway/testing/scripted-upstream.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { quantizeModelFolder } from '../../ml/quantize/quantize-model-folder.ts';
import { EXIT } from '../io.ts';
import { startCliIn } from '../testing/run-cli-in.ts';

let fixture: TinyModelFolder;
let dataDir: string;
beforeAll(() => {
  fixture = writeTinyModelFolder();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-serve-cli-'));
});
afterAll(() => {
  fixture.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startCli = (args: string[]) => startCliIn(dataDir, args, { cwd: path.dirname(fixture.folder) });

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('crucible serve', () => {
  it('serves a model folder until interrupted', async () => {
    const cli = startCli(['serve', path.basename(fixture.folder), '--name', 'cli-model', '--device', 'cpu', '--threads', '2', '--port', '0', '--auth', 'none']);
    await waitFor(() => cli.stdout().includes('Serving'), 'the "Serving" line');
    expect(cli.stdout()).toContain('Serving "cli-model" (float32) on CPU at http://127.0.0.1:');
    expect(cli.stderr()).toContain('deployment "cli-model": model loaded in 1 worker(s) on the CPU');
    const url = /at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(cli.stdout())![1]!;
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(['cli-model']);
    cli.interrupt();
    expect(await cli.code).toBe(EXIT.ok);
    expect(cli.stdout()).toContain('Stopped.');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('serves a quantized folder from its quantized decoder unless --precision says otherwise', async () => {
    const quantized = path.join(dataDir, 'tiny-int8');
    quantizeModelFolder({ sourceFolder: fixture.folder, targetFolder: quantized, settings: { scheme: 'int8', blockSize: 16, symmetric: false, accuracyLevel: 4, quantizeEmbeddings: false }, provenance: {} });
    for (const [flags, expected] of [[[], 'int8'], [['--precision', 'float32'], 'float32']] as const) {
      const cli = startCli(['serve', quantized, '--port', '0', '--auth', 'none', ...flags]);
      await waitFor(() => cli.stdout().includes('Serving'), 'the "Serving" line');
      expect(cli.stdout()).toContain(`Serving "tiny-int8" (${expected}) on CPU at`);
      cli.interrupt();
      expect(await cli.code).toBe(EXIT.ok);
    }
    const missing = startCli(['serve', quantized, '--precision', 'q4', '--port', '0', '--auth', 'none']);
    expect(await missing.code).toBe(EXIT.failed);
    expect(missing.stderr()).toMatch(/model_q4\.onnx is missing; run a quantize node for q4, or serve float32/);
  });

  it('routes to --upstream servers beside the local model', async () => {
    const remote = await startScriptedUpstream({ model: 'remote-model' });
    try {
      const cli = startCli(['serve', path.basename(fixture.folder), '--name', 'cli-model', '--device', 'cpu', '--port', '0', '--auth', 'none', '--upstream', `${remote.url}=remote-model`]);
      await waitFor(() => cli.stdout().includes('Serving'), 'the "Serving" line');
      expect(cli.stdout()).toContain(`Routing to upstream ${remote.url} for remote-model as well.`);
      const url = /at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(cli.stdout())![1]!;
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((model) => model.id)).toEqual(['cli-model', 'remote-model']);
      const completion = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'remote-model', prompt: 'x' }) });
      expect([completion.status, completion.headers.get('x-crucible-upstream')]).toEqual([200, `127.0.0.1:${remote.port}`]);
      cli.interrupt();
      expect(await cli.code).toBe(EXIT.ok);
      const badUpstream = startCli(['serve', fixture.folder, '--upstream', 'localhost:8081']);
      expect(await badUpstream.code).toBe(EXIT.usage);
      expect(badUpstream.stderr()).toContain('--upstream "localhost:8081": give URL[=model1,model2]');
    } finally {
      await remote.close();
    }
  });

  it('refuses a folder with a damaged file with one message naming it, exits non-zero and never claims to be serving', async () => {
    const damage: [string, (bytes: Buffer) => Buffer][] = [
      ['model.safetensors', (bytes) => bytes.fill(0xff, 8, 40)],
      ['tokenizer.json', () => Buffer.from([0x89, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x80])],
    ];
    for (const [file, spoil] of damage) {
      const folder = path.join(dataDir, `damaged-${file.split('.')[0]}`);
      fs.cpSync(fixture.folder, folder, { recursive: true });
      fs.writeFileSync(path.join(folder, file), spoil(fs.readFileSync(path.join(folder, file))));
      const cli = startCli(['serve', folder, '--device', 'cpu', '--port', '0', '--auth', 'none']);
      expect(await cli.code).toBe(EXIT.failed);
      const printed = cli.stdout() + cli.stderr();
      expect(printed.split(path.join(folder, file)).length - 1, printed).toBe(1);
      expect(cli.stderr()).toMatch(new RegExp(`^serve: .*${file.replace('.', '\\.')}: (the header is )?not JSON: it holds binary data; the file is damaged or not a .* — re-export or re-download it\n$`));
      expect(printed).not.toMatch(/serving|onnx/i);
      expect(printed).not.toContain('\ufffd');
    }
  });

  it('refuses bad flags as usage errors before loading anything', async () => {
    const noThreads = startCli(['serve', fixture.folder, '--threads', '-1']);
    expect(await noThreads.code).toBe(EXIT.usage);
    expect(noThreads.stderr()).toContain('--threads');
    const badPrecision = startCli(['serve', fixture.folder, '--precision', 'fp16']);
    expect(await badPrecision.code).toBe(EXIT.usage);
    expect(badPrecision.stderr()).toContain('--precision must be one of float32, int8, q4');
    const offLoopback = startCli(['serve', fixture.folder, '--host', '0.0.0.0', '--auth', 'none']);
    expect(await offLoopback.code).toBe(EXIT.usage);
    expect(offLoopback.stderr()).toContain('only allowed on a loopback host');
    const badDevice = startCli(['serve', fixture.folder, '--device', 'tpu']);
    expect(await badDevice.code).toBe(EXIT.usage);
    expect(badDevice.stderr()).toMatch(/--device: .*"cuda"/);
    const badPort = startCli(['serve', fixture.folder, '--port', 'eighty']);
    expect(await badPort.code).toBe(EXIT.usage);
    expect(badPort.stderr()).toContain('--port');
    const badRange = startCli(['serve', fixture.folder, '--min-replicas', '3', '--max-replicas', '2']);
    expect(await badRange.code).toBe(EXIT.usage);
    expect(badRange.stderr()).toContain('serve: --max-replicas: must be at least minReplicas (3), not 2');
    const badReplicas = startCli(['serve', fixture.folder, '--max-replicas', 'many']);
    expect(await badReplicas.code).toBe(EXIT.usage);
    expect(badReplicas.stderr()).toContain('--max-replicas');
    const missing = startCli(['serve', path.join(dataDir, 'no-such-model')]);
    expect(await missing.code).toBe(EXIT.failed);
    expect(missing.stderr()).toMatch(/no-such-model: there is no such folder; check the path\n$/);
    const noFolder = startCli(['serve']);
    expect(await noFolder.code).toBe(EXIT.usage);
    expect(noFolder.stderr()).toContain('MODEL_DIR');
  });
});
