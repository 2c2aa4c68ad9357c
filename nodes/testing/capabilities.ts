// Test support: a full NodeCapabilities from the few members a test gives. Every member it leaves out throws, when a
// run calls it, an error naming the capability the test did not give.
import type { NodeCapabilities } from '../capabilities.ts';

/** The given capabilities; calling a method of any other one throws "this test gave the node no … capability". */
export function capabilitiesForTest(given: Partial<NodeCapabilities> = {}): NodeCapabilities {
  return {
    ingest: given.ingest ?? notGiven('ingest'),
    tokenizers: given.tokenizers ?? notGiven('tokenizers'),
    training: given.training ?? notGiven('training'),
    serving: given.serving ?? notGiven('serving'),
    quantization: given.quantization ?? notGiven('quantization'),
    exporting: given.exporting ?? notGiven('exporting'),
    models: given.models ?? notGiven('models'),
  };
}

/**
 * A stand-in whose every method throws when called. Reading a member is harmless (symbols and `then` read as
 * undefined), so the test runner can print it or check whether it is a promise.
 */
function notGiven<K extends keyof NodeCapabilities>(name: K): NodeCapabilities[K] {
  const stand = new Proxy(
    {},
    {
      get(_target, member) {
        if (typeof member === 'symbol' || member === 'then') return undefined;
        return () => {
          throw new Error(`this test gave the node no ${name} capability (ctx.capabilities.${name}.${member} was called); pass one to capabilitiesForTest`);
        };
      },
    },
  );
  return stand as NodeCapabilities[K];
}
