// Which documents go to validation: exactly round(n · valFraction) of them (at least one, and never all when there
// are two or more), chosen by a seeded shuffle so the same seed always picks the same documents.
import { createRandom } from '../ml/tensor/random.ts';

export function validationCount(documents: number, valFraction: number): number {
  if (valFraction <= 0 || documents < 2) return 0;
  return Math.min(documents - 1, Math.max(1, Math.round(documents * valFraction)));
}

/** One flag per document: 1 when it belongs to validation. */
export function chooseValidationDocuments(documents: number, valFraction: number, seed: number): Uint8Array {
  const chosen = new Uint8Array(documents);
  const count = validationCount(documents, valFraction);
  const order = new Uint32Array(documents);
  for (let index = 0; index < documents; index++) order[index] = index;
  const random = createRandom(seed).uniform;
  // A partial Fisher–Yates shuffle: the first `count` places receive a uniform random sample.
  for (let place = 0; place < count; place++) {
    const pick = place + Math.floor(random() * (documents - place));
    const picked = order[pick]!;
    order[pick] = order[place]!;
    order[place] = picked;
    chosen[picked] = 1;
  }
  return chosen;
}
