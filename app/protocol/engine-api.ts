// The engine's HTTP API contract: route paths, request bodies (zod, validated by the server) and response shapes.
// The renderer, the CLI and the Electron main process all call the engine through these names.
import { z } from 'zod';
import type { ValidationProblem } from '../graph/problems.ts';
import type { NodeTypeInfo } from '../nodes/catalogue.ts';
import type { Pipeline } from '../pipeline/schema.ts';
import type { ArtifactSummary, LogLevel, NodeFailure, NodeState, RunStatus, ServiceInfo } from './run-events.ts';

/** Header that carries the per-launch token on every request (or `Authorization: Bearer <token>`). */
export const TOKEN_HEADER = 'x-crucible-token';

export const ROUTES = {
  health: '/api/health',
  session: '/api/session',
  nodeTypes: '/api/node-types',
  validate: '/api/validate',
  runs: '/api/runs',
  run: '/api/runs/:runId',
  runLogs: '/api/runs/:runId/logs',
  runEvents: '/api/runs/:runId/events',
  cancelRun: '/api/runs/:runId/cancel',
  artifacts: '/api/artifacts',
  /** GET ?path=&pipelinePath=: a folder's entries, for path completion in web mode (app/protocol/preview-api.ts). */
  folderEntries: '/api/folders',
  /** A run's node output: its files, one file's text (?name=), a view by artifact type, and text tokenized (POST). */
  outputFiles: '/api/runs/:runId/outputs/:nodeId/:port/files',
  outputFile: '/api/runs/:runId/outputs/:nodeId/:port/file',
  outputPreview: '/api/runs/:runId/outputs/:nodeId/:port/preview',
  outputTokenize: '/api/runs/:runId/outputs/:nodeId/:port/tokenize',
  services: '/api/services',
  stopService: '/api/services/:serviceId/stop',
  /** POST: stop a service if it runs, then start it again from its recipe (a deployment with the endpoints over it). */
  restartService: '/api/services/:serviceId/restart',
  /**
   * Relays GET/POST to a running api-endpoint's `/v1/*` and `/health` (append the endpoint path), so the studio
   * page calls it through the engine and needs no CORS entry on the endpoint. `Authorization` is the endpoint's API
   * key there, so the engine token goes in TOKEN_HEADER.
   */
  serviceOpenAi: '/api/services/:serviceId/openai',
  apiKeys: '/api/keys',
  revokeApiKey: '/api/keys/:keyName/revoke',
  /** PATCH: change an active key's scope, limits, budget or expiry. */
  apiKey: '/api/keys/:keyName',
  usage: '/api/usage',
  events: '/api/events',
} as const;

/**
 * Routes that answer without the engine token: only the trade of a one-time session code for it. Every other
 * route needs the token (engine/api/route-access.ts decides it from the matched route, not the raw URL).
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([ROUTES.session]);

export const configOverrideSchema = z.strictObject({
  node: z.string().min(1).max(64),
  field: z.string().min(1).max(256).describe('Dot path inside the node config, e.g. "maxSteps".'),
  value: z.unknown(),
});
export type ConfigOverride = z.output<typeof configOverrideSchema>;

export const validateRequestSchema = z.strictObject({
  /** The pipeline file's JSON; it may be of an older version (it is migrated) or broken (problems come back). */
  pipeline: z.unknown(),
  /** Absolute path of the pipeline file, so relative paths inside it resolve; null for an unsaved pipeline. */
  pipelinePath: z.string().min(1).max(4096).nullable().default(null),
});
export type ValidateRequest = z.input<typeof validateRequestSchema>;

export const startRunRequestSchema = z.strictObject({
  pipeline: z.unknown(),
  /** Absolute path of the pipeline file, so relative paths inside it resolve; null for an unsaved pipeline. */
  pipelinePath: z.string().min(1).max(4096).nullable().default(null),
  targets: z.array(z.string().min(1).max(64)).max(1000).default([]),
  overrides: z.array(configOverrideSchema).max(1000).default([]),
  force: z.array(z.string().min(1).max(64)).max(1000).default([]),
});
export type StartRunRequest = z.input<typeof startRunRequestSchema>;

export const sessionRequestSchema = z.strictObject({ code: z.string().min(1).max(200) });

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).max(1e9).default(0),
});

export const logsQuerySchema = z.object({
  node: z.string().min(1).max(64).optional(),
  afterId: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export interface ApiError {
  error: { code: string; message: string; problems?: ValidationProblem[] };
}

export interface ValidateResponse {
  /** No problems but warnings (`severity: 'warning'`). */
  valid: boolean;
  problems: ValidationProblem[];
  migratedFrom?: number;
  pipeline: Pipeline | null;
}

export interface StartRunResponse {
  runId: string;
  /**
   * Warnings about the nodes the run needs, overrides applied (severity `warning`); the run goes ahead regardless.
   * Absent from engines older than the field.
   */
  warnings?: ValidationProblem[];
}

export interface RunListItem {
  id: string;
  pipelineName: string;
  pipelinePath: string | null;
  status: RunStatus;
  targets: string[];
  startedAt: string;
  finishedAt: string | null;
  /** How many of the run's nodes are in each state. */
  nodeCounts: Record<NodeState, number>;
}

export interface RunNodeDetail {
  state: NodeState;
  cached: boolean;
  reason?: string;
  error?: NodeFailure;
  durationMs?: number;
  artifacts: Record<string, ArtifactSummary>;
  progress?: { fraction?: number; message?: string; etaMs?: number; at: string };
  /** The last value of each metric. */
  metrics: Record<string, number>;
}

export interface MetricPoint {
  step: number;
  value: number;
  at: string;
}

export interface RunDetail {
  run: RunListItem;
  /** The pipeline exactly as it was when the run started. */
  pipeline: Pipeline;
  nodes: Record<string, RunNodeDetail>;
  /**
   * nodeId → metric name → points in recorded order. A long series is thinned to a bounded count (the engine's
   * MAX_POINTS_PER_SERIES, 2,000) by an even stride, its first and last points always kept.
   */
  metrics: Record<string, Record<string, MetricPoint[]>>;
  /** nodeId → the names of its series that were thinned; absent when none was. */
  metricsThinned?: Record<string, string[]>;
}

export interface LogLine {
  id: number;
  node: string;
  level: LogLevel;
  line: string;
  at: string;
}

export type NodeTypesResponse = NodeTypeInfo[];
/** An artifact with the node and run that made it. */
export type ArtifactListItem = ArtifactSummary & { nodeId: string; nodeType: string; runId: string };
export type ArtifactsResponse = ArtifactListItem[];
export type ServicesResponse = ServiceInfo[];
