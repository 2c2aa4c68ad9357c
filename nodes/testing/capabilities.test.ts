import { describe, expect, it } from 'vitest';
import type { IngestCapability } from '../capabilities/ingest.ts';
import { capabilitiesForTest } from './capabilities.ts';

describe('capabilitiesForTest', () => {
  it('hands out the capabilities a test gives', () => {
    const ingest: IngestCapability = { buildCorpus: async () => Promise.reject(new Error('unused')) };
    expect(capabilitiesForTest({ ingest }).ingest).toBe(ingest);
  });

  it('names the capability a test did not give when a run calls it', async () => {
    const { training, serving } = capabilitiesForTest({});
    expect(() => training.evaluate({} as never, {} as never)).toThrow('this test gave the node no training capability (ctx.capabilities.training.evaluate was called); pass one to capabilitiesForTest');
    const deploy = async () => serving.deploy({} as never);
    await expect(deploy()).rejects.toThrow('this test gave the node no serving capability');
  });

  it('can be read, printed and awaited without throwing', async () => {
    const capabilities = capabilitiesForTest();
    expect(String(Object.keys(capabilities))).toBe('ingest,tokenizers,training,serving,quantization,exporting,models');
    await expect(Promise.resolve(capabilities.exporting)).resolves.toBeDefined();
  });
});
