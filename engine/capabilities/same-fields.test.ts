// SameFields names what differs, and Expect stops the build on it; tsc checks this file (the typecheck step).
import { describe, expectTypeOf, it } from 'vitest';
import type { Expect, SameFields } from './same-fields.ts';

interface Settings {
  steps: number;
  bias: boolean;
}

export type SameAsItself = Expect<SameFields<Settings, { steps: number; bias: boolean }>>;
// @ts-expect-error a field the settings lack
export type ExtraField = Expect<SameFields<Settings & { labelSmoothing: number }, Settings>>;
// @ts-expect-error a field the config lacks
export type MissingField = Expect<SameFields<Pick<Settings, 'steps'>, Settings>>;
// @ts-expect-error a field of another type
export type OtherType = Expect<SameFields<{ steps: number; bias: number }, Settings>>;
// @ts-expect-error an optional field where the settings need a value
export type OptionalField = Expect<SameFields<{ steps?: number; bias: boolean }, Settings>>;

describe('SameFields', () => {
  it('names the fields that differ', () => {
    expectTypeOf<SameFields<{ steps: number; seed: number }, Settings>>().toEqualTypeOf<{ differ: 'seed' | 'bias' }>();
    expectTypeOf<SameFields<Settings, Settings>>().toEqualTypeOf<true>();
  });
});
