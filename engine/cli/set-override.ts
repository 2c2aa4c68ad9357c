// Parses `--set NODE.FIELD=VALUE` into a config override. VALUE is JSON when it parses as JSON, else a string,
// so `--set train.maxSteps=50` sets a number and `--set data.format=text` a string.
import type { ConfigOverride } from '../../app/protocol/engine-api.ts';
import { UsageError } from './io.ts';

export function parseSetFlag(flag: string): ConfigOverride {
  const equals = flag.indexOf('=');
  const target = equals > 0 ? flag.slice(0, equals) : '';
  const dot = target.indexOf('.');
  if (equals <= 0 || dot <= 0 || dot === target.length - 1) {
    throw new UsageError(`--set "${flag}" must look like NODE.FIELD=VALUE, e.g. --set train.maxSteps=50`);
  }
  return { node: target.slice(0, dot), field: target.slice(dot + 1), value: parseValue(flag.slice(equals + 1)) };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
