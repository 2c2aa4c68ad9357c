// A sample the trainer writes at each evaluation (nanoGPT's habit): the text the model continues a configured prompt
// with, at that step. It travels and is kept as one line of the node's log, so the CLI prints it, the store keeps it
// with the run, and the studio's Samples view reads it back from live and past runs alike; this file is that line's
// one format.

export interface TrainingSample {
  step: number;
  prompt: string;
  /** The generated continuation, without the prompt. */
  text: string;
}

const SAMPLE_LINE = /^sample at step (\d+): ("(?:[^"\\]|\\.)*") → (".*")$/s;

/** `sample at step 250: "ROMEO:" → " I will not…"`, both strings as JSON so newlines and quotes survive one line. */
export function sampleLogLine(sample: TrainingSample): string {
  return `sample at step ${sample.step}: ${JSON.stringify(sample.prompt)} → ${JSON.stringify(sample.text)}`;
}

/** The sample a log line carries, or null for any other line. */
export function parseSampleLogLine(line: string): TrainingSample | null {
  const match = SAMPLE_LINE.exec(line);
  if (match === null) return null;
  try {
    const prompt: unknown = JSON.parse(match[2]!);
    const text: unknown = JSON.parse(match[3]!);
    return typeof prompt === 'string' && typeof text === 'string' ? { step: Number(match[1]), prompt, text } : null;
  } catch {
    return null;
  }
}
