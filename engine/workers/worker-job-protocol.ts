// The messages between runWorkerJob (engine side) and performWorkerJob (worker side), shared by every job that runs
// on a worker thread; each job names its own data, progress and result types in one WorkerJobProtocol.

/** One job's types: the workerData it starts with, the progress it posts, the result it settles with. */
export interface WorkerJobProtocol<Data = unknown, Progress = unknown, Result = unknown> {
  data: Data;
  progress: Progress;
  result: Result;
}

/** A failure as it crosses the thread boundary: an Error's own fields, so the engine can rebuild it. */
export interface WorkerJobFailure {
  name: string;
  message: string;
  stack?: string;
}

export type WorkerJobReply<Protocol extends WorkerJobProtocol> =
  | { type: 'progress'; progress: Protocol['progress'] }
  | { type: 'done'; result: Protocol['result'] }
  | { type: 'failed'; failure: WorkerJobFailure };

/** The one request the engine posts: stop at the next safe point (the job's signal aborts). */
export type WorkerJobRequest = { type: 'cancel' };
