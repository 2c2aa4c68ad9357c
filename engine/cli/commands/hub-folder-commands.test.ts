// `crucible serve` and `crucible export` on a folder downloaded from the Hugging Face hub (config.json and
// model.safetensors, no onnx/): one line saying it is a hub folder and how to import it with a model node, never
// "re-run the node that produced it", since no node did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../../ml/export/model-folder.ts';
import { writeHubGpt2Folder } from '../../ml/import/testing/hub-folder.ts';
import { EXIT } from '../io.ts';
import { runCliIn } from '../testing/run-cli-in.ts';

const IMPORT_ADVICE = `is a Hugging Face model folder, not a Crucible one (it has no ${MODEL_FILES.decoder}): import it with a \`model\` node in a pipeline, its \`path\` set to this folder`;

let dataDir: string;
let hub: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-hub-cli-'));
  hub = path.join(dataDir, 'gpt2');
  writeHubGpt2Folder(hub, { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 16 } });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a hub folder given to a command that takes a Crucible model folder', () => {
  it('serve: exits 1 with one line on how to import it', async () => {
    const { code, out, err } = await runCliIn(dataDir, ['serve', hub, '--device', 'cpu', '--port', '0', '--auth', 'none']);
    expect(code).toBe(EXIT.failed);
    expect(err).toMatch(new RegExp(`^serve: [^\\n]*${escape(IMPORT_ADVICE)}[^\\n]*\\n$`));
    expect(err + out).not.toMatch(/re-run|Serving/);
  });

  it.each(['gguf', 'hf', 'onnx'])('export --format %s: exits 1 with the same line', async (format) => {
    const { code, err } = await runCliIn(dataDir, ['export', hub, '--format', format, '--out', path.join(dataDir, 'out')]);
    expect(code).toBe(EXIT.failed);
    expect(err).toMatch(new RegExp(`^export: [^\\n]*${escape(IMPORT_ADVICE)}[^\\n]*\\n$`));
    expect(err).not.toContain('re-run');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
