// What one API request did, filled in as it goes and written once it ends: to the usage log and to the metrics.
import { performance } from 'node:perf_hooks';

export interface RequestTrace {
  requestId: string;
  /** Wall-clock start, for the usage log's `at`. */
  at: string;
  /** performance.now() at arrival; the other times below are on the same clock. */
  startedMs: number;
  keyId: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Set once a generation starts; only then do latency metrics apply. */
  generationStarted: boolean;
  firstTokenMs: number | null;
  lastTokenMs: number | null;
  /** Why it failed, for requests whose HTTP status does not say it (a stream that broke, a client that left). */
  errorCode: string | null;
  /** The token counts are the gateway's own estimate: an upstream served it and reported no usage. */
  usageEstimated: boolean;
  /** Lets go of what the request holds of its key's budget (budget-check.ts), once its usage row is queued. */
  releaseBudgetHold: () => void;
}

export function newTrace(requestId: string, nowMs = Date.now()): RequestTrace {
  return {
    requestId,
    at: new Date(nowMs).toISOString(),
    startedMs: performance.now(),
    keyId: null,
    model: null,
    promptTokens: 0,
    completionTokens: 0,
    generationStarted: false,
    firstTokenMs: null,
    lastTokenMs: null,
    errorCode: null,
    usageEstimated: false,
    releaseBudgetHold: () => undefined,
  };
}
