// Path fields: `~` starts at the home folder, relative paths at the pipeline folder, at nested and array paths.
import path from 'node:path';
import { expect, it } from 'vitest';
import { resolvePath, resolvePathFields } from './path-fields.ts';

const dir = path.resolve('/work/project');
const homeDir = path.resolve('/home/tester');

it('resolves plain, nested and array-of-object paths, leaving absolute paths, URLs and empty strings alone', () => {
  const config = {
    file: 'data.txt',
    output: { dir: '../out' },
    sources: [{ path: 'a.txt', weight: 1 }, { path: '/abs/b.txt' }, { path: 'https://example.com/c.txt' }],
    files: ['x.txt', ''],
    other: 'not-a-path.txt',
  };
  const resolved = resolvePathFields(config, ['file', 'output.dir', 'sources[].path', 'files[]'], { pipelineDir: dir, homeDir });
  expect(resolved).toEqual({
    file: path.join(dir, 'data.txt'),
    output: { dir: path.resolve(dir, '../out') },
    sources: [{ path: path.join(dir, 'a.txt'), weight: 1 }, { path: '/abs/b.txt' }, { path: 'https://example.com/c.txt' }],
    files: [path.join(dir, 'x.txt'), ''],
    other: 'not-a-path.txt',
  });
  expect(config.file).toBe('data.txt');
});

it('expands ~ in every path field to the home folder, not the pipeline folder', () => {
  const config = { file: '~/corpus/a.txt', output: { dir: '~' }, sources: [{ path: '~/.ssh/id_rsa' }], files: ['~/x.txt'] };
  expect(resolvePathFields(config, ['file', 'output.dir', 'sources[].path', 'files[]'], { pipelineDir: dir, homeDir })).toEqual({
    file: path.join(homeDir, 'corpus', 'a.txt'),
    output: { dir: homeDir },
    sources: [{ path: path.join(homeDir, '.ssh', 'id_rsa') }],
    files: [path.join(homeDir, 'x.txt')],
  });
});

it('expands ~ for an unsaved pipeline too, and leaves ~user and names that merely start with ~ relative to the pipeline', () => {
  expect(resolvePath('~/a.txt', { pipelineDir: null, homeDir })).toBe(path.join(homeDir, 'a.txt'));
  expect(resolvePath('~bob/a.txt', { pipelineDir: dir, homeDir })).toBe(path.join(dir, '~bob', 'a.txt'));
  expect(resolvePath('~notes.txt', { pipelineDir: dir, homeDir })).toBe(path.join(dir, '~notes.txt'));
});

it('uses the real home folder when none is injected', () => {
  const previous = process.env.HOME;
  process.env.HOME = homeDir;
  try {
    expect(resolvePath('~/a.txt', { pipelineDir: dir })).toBe(path.join(homeDir, 'a.txt'));
  } finally {
    process.env.HOME = previous;
  }
});

it('ignores missing fields and leaves relative paths relative for an unsaved pipeline', () => {
  expect(resolvePathFields({ a: 1 }, ['missing.deep', 'list[].path'], { pipelineDir: dir })).toEqual({ a: 1 });
  expect(resolvePathFields({ file: 'x' }, ['file'], { pipelineDir: null })).toEqual({ file: 'x' });
});
