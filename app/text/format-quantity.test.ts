import { expect, it } from 'vitest';
import { formatBytes, formatCount } from './format-quantity.ts';

it('formats counts with K, M and B', () => {
  expect([formatCount(768), formatCount(929_536), formatCount(124_439_808), formatCount(1.5e9)]).toEqual(['768', '929.5K', '124.44M', '1.50B']);
});

it('formats bytes in binary units, whole numbers from 100 up', () => {
  expect([formatBytes(512), formatBytes(1536), formatBytes(150 * 2 ** 20), formatBytes(1.5 * 2 ** 30)]).toEqual(['512 B', '1.5 KiB', '150 MiB', '1.5 GiB']);
});
