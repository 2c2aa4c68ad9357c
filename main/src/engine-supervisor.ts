// Keeps one engine process alive for the app: starts it with a per-launch token, restarts it (on the same port when
// it can) after a crash with a growing delay, gives up after too many crashes in a row, and stops it on quit. An
// engine that cannot start at all (it never became ready, or said why it refused) is not retried: its reason is shown.
import { randomBytes } from 'node:crypto';
import type { EngineConnection, EngineStatus } from '../../app/protocol/desktop-ipc.ts';
import { ENGINE_STOP_TIMEOUT_MS } from '../../app/protocol/engine-process.ts';
import { describeExit, EngineRefusedError, launchEngine, type EngineLaunch, type EngineProcess } from './engine-process.ts';
import type { RotatingLog } from './rotating-log.ts';

export interface EngineSupervisorOptions {
  launch: EngineLaunch;
  log: RotatingLog;
  dataDir?: string;
  allowedOrigins?: readonly string[];
  /** The renderer's build, served by the engine so the window and the API share one origin. */
  staticDir?: string;
  onStatus?: (status: EngineStatus) => void;
  readyTimeoutMs?: number;
  /** How long a stopping engine gets to exit before it is killed; by default longer than the engine's own shutdown. */
  stopTimeoutMs?: number;
  /** Delay before the n-th restart in a row; the last one repeats. */
  restartDelaysMs?: readonly number[];
  /** More crashes than this within `crashWindowMs` and the supervisor gives up. */
  maxCrashes?: number;
  crashWindowMs?: number;
}

export type StopOutcome = 'exited' | 'killed' | 'not-running';

export class EngineSupervisor {
  /** Per-launch secret: the same for every restart in this app session, unknown to anything but the window. */
  readonly token = randomBytes(32).toString('base64url');
  private currentStatus: EngineStatus = { state: 'stopped', restarts: 0 };
  private current: EngineProcess | null = null;
  private currentUrl: string | null = null;
  private reportedDataDir: string | null = null;
  private preferredPort = 0;
  private restarts = 0;
  private crashTimes: number[] = [];
  private stopping = false;
  /** Whether the engine has been ready since start(): only then is an engine that exits counted as a crash. */
  private everReady = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly statusWaiters = new Set<(status: EngineStatus) => void>();

  constructor(private readonly options: EngineSupervisorOptions) {}

  get status(): EngineStatus {
    return this.currentStatus;
  }

  /** The running engine's process id, for the log view and for tests that crash it on purpose. */
  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  /** The engine's data directory as the engine reported it when ready, else the one it was given; null while neither
   * is known (the engine picks its OS default). The page may have folders of its artifact store shown. */
  get dataDir(): string | null {
    return this.reportedDataDir ?? this.options.dataDir ?? null;
  }

  connection(): EngineConnection | null {
    return this.currentStatus.state === 'ready' && this.currentUrl ? { url: this.currentUrl, token: this.token } : null;
  }

  /** Starts the engine; resolves once it is healthy, rejects when the supervisor gives up. */
  start(): Promise<EngineConnection> {
    this.stopping = false;
    this.everReady = false;
    this.crashTimes = [];
    const settled = this.nextSettledStatus();
    this.spawnOnce();
    return settled.then((status) => {
      if (status.state === 'ready') return { url: status.url, token: this.token };
      throw new Error(status.state === 'failed' ? status.reason : 'the engine was stopped before it was ready');
    });
  }

  /** Stops the engine for good (no restart): SIGTERM, then SIGKILL after the stop timeout. */
  async stop(): Promise<StopOutcome> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const running = this.current;
    this.current = null;
    const timeoutMs = this.options.stopTimeoutMs ?? ENGINE_STOP_TIMEOUT_MS;
    const outcome: StopOutcome = running ? await running.stop(timeoutMs) : 'not-running';
    if (outcome === 'killed') this.options.log.note(`engine did not exit within ${timeoutMs} ms of SIGTERM; killed it`);
    this.setStatus({ state: 'stopped', restarts: this.restarts });
    return outcome;
  }

  private spawnOnce(): void {
    this.setStatus({ state: 'starting', restarts: this.restarts });
    const engine = launchEngine({
      launch: this.options.launch,
      token: this.token,
      port: this.preferredPort,
      dataDir: this.options.dataDir,
      allowedOrigins: this.options.allowedOrigins,
      staticDir: this.options.staticDir,
      log: this.options.log,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 30_000,
    });
    this.current = engine;
    this.options.log.note(`engine starting (pid ${engine.child.pid ?? '?'}, port ${this.preferredPort || 'any free'})`);
    engine.ready.then(
      ({ url, port, dataDir }) => {
        if (this.current !== engine) return;
        this.preferredPort = port;
        this.reportedDataDir = dataDir ?? null;
        this.currentUrl = url;
        this.everReady = true;
        this.options.log.note(`engine ready at ${url}`);
        this.setStatus({ state: 'ready', url, restarts: this.restarts });
      },
      (error: Error) => {
        if (this.current !== engine) return;
        // The port may be taken now; the next try lets the OS pick one.
        this.preferredPort = 0;
        // An engine that refused, or that has not once become ready since start(), would fail the same way again
        // (a data directory it cannot use, a broken install): say why at once instead of retrying for seconds.
        const retry = this.everReady && !(error instanceof EngineRefusedError);
        void engine.stop(0).then(() => (retry ? this.onCrash(engine, error.message) : this.giveUp(engine, error.message)));
      },
    );
    void engine.exited.then((exit) => {
      if (this.current === engine && this.currentStatus.state === 'ready') this.onCrash(engine, `the engine stopped unexpectedly (${describeExit(exit)})`);
    });
  }

  private onCrash(engine: EngineProcess, reason: string): void {
    if (this.stopping || this.current !== engine) return;
    this.current = null;
    this.currentUrl = null;
    this.options.log.note(reason);
    const now = Date.now();
    const windowMs = this.options.crashWindowMs ?? 60_000;
    this.crashTimes = [...this.crashTimes.filter((at) => now - at < windowMs), now];
    if (this.crashTimes.length > (this.options.maxCrashes ?? 5)) {
      const gaveUp = `${reason}\nThe engine crashed ${this.crashTimes.length} times within ${Math.round(windowMs / 1000)} s; not restarting it.`;
      this.setStatus({ state: 'failed', reason: gaveUp, restarts: this.restarts, logFile: this.options.log.file });
      return;
    }
    const delays = this.options.restartDelaysMs ?? [500, 1000, 2000, 5000];
    const retryInMs = delays[Math.min(this.crashTimes.length - 1, delays.length - 1)] ?? 1000;
    this.restarts += 1;
    this.setStatus({ state: 'restarting', reason, restarts: this.restarts, retryInMs });
    this.restartTimer = setTimeout(() => this.spawnOnce(), retryInMs);
  }

  private giveUp(engine: EngineProcess, reason: string): void {
    if (this.stopping || this.current !== engine) return;
    this.current = null;
    this.currentUrl = null;
    this.options.log.note(`${reason}\nThe engine could not start; not retrying it.`);
    this.setStatus({ state: 'failed', reason, restarts: this.restarts, logFile: this.options.log.file });
  }

  private setStatus(status: EngineStatus): void {
    this.currentStatus = status;
    this.options.onStatus?.(status);
    if (status.state === 'ready' || status.state === 'failed' || status.state === 'stopped') {
      for (const waiter of [...this.statusWaiters]) waiter(status);
    }
  }

  private nextSettledStatus(): Promise<EngineStatus> {
    return new Promise((resolve) => {
      const waiter = (status: EngineStatus) => {
        this.statusWaiters.delete(waiter);
        resolve(status);
      };
      this.statusWaiters.add(waiter);
    });
  }
}
