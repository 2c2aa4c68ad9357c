// Path fields: relative paths become absolute against the pipeline folder, at nested and array paths.
import path from 'node:path';
import { expect, it } from 'vitest';
import { resolvePathFields } from './path-fields.ts';

const dir = path.resolve('/work/project');

it('resolves plain, nested and array-of-object paths, leaving absolute paths, URLs and empty strings alone', () => {
  const config = {
    file: 'data.txt',
    output: { dir: '../out' },
    sources: [{ path: 'a.txt', weight: 1 }, { path: '/abs/b.txt' }, { path: 'https://example.com/c.txt' }],
    files: ['x.txt', ''],
    other: 'not-a-path.txt',
  };
  const resolved = resolvePathFields(config, ['file', 'output.dir', 'sources[].path', 'files[]'], dir);
  expect(resolved).toEqual({
    file: path.join(dir, 'data.txt'),
    output: { dir: path.resolve(dir, '../out') },
    sources: [{ path: path.join(dir, 'a.txt'), weight: 1 }, { path: '/abs/b.txt' }, { path: 'https://example.com/c.txt' }],
    files: [path.join(dir, 'x.txt'), ''],
    other: 'not-a-path.txt',
  });
  expect(config.file).toBe('data.txt');
});

it('ignores missing fields and leaves everything as is for an unsaved pipeline', () => {
  expect(resolvePathFields({ a: 1 }, ['missing.deep', 'list[].path'], dir)).toEqual({ a: 1 });
  expect(resolvePathFields({ file: 'x' }, ['file'], null)).toEqual({ file: 'x' });
});
