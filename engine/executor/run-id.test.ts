// The one run-id format: start time first, so ids sort by when runs started.
import { expect, it } from 'vitest';
import { newRunId } from './run-id.ts';

it('stamps the UTC start time to the second and adds a random suffix', () => {
  const at = new Date('2025-03-04T05:06:07.890Z');
  const id = newRunId(at);
  expect(id).toMatch(/^run-20250304T050607-[0-9a-f]{6}$/);
  expect(newRunId(at)).not.toBe(id);
  expect(newRunId(new Date('2025-03-04T05:06:08Z')) > id).toBe(true);
});
