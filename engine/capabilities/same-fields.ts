// A compile-time check that a node's config maps onto an ML job's settings field for field: the ML core defines the
// settings it reads, the node's spec defines its config, and `Expect<SameFields<…>>` beside the mapping keeps them
// from drifting (a field on one side only, or of another type, stops the build and is named in the error).

/** The fields of A and B whose types differ (each must be assignable to the other). */
type MismatchedFields<A, B> = { [K in keyof A & keyof B]: [A[K]] extends [B[K]] ? ([B[K]] extends [A[K]] ? never : K) : K }[keyof A & keyof B];

type DifferingFields<A, B> = Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A> | MismatchedFields<A, B>;

/** `true` when A and B have the same fields of the same types; otherwise `{ differ: …the fields that do not match… }`. */
export type SameFields<A, B> = [DifferingFields<A, B>] extends [never] ? true : { differ: DifferingFields<A, B> };

/** Compiles only when `T` is `true`. */
export type Expect<T extends true> = T;
