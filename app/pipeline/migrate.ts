// Upgrades older pipeline files one version at a time. Each step is a pure function from the raw JSON of version N
// to the raw JSON of version N+1, so a file from any old version walks the whole chain.
import { PIPELINE_FORMAT, PIPELINE_SCHEMA_URL, PIPELINE_VERSION } from './schema.ts';

type Raw = Record<string, unknown>;
type MigrationStep = (file: Raw) => Raw;

/**
 * Version 0 was the prototype's shape: `params` instead of `config`, `position: [x, y]`, and edges as
 * `links: [fromNode, fromPort, toNode, toPort]` tuples without ids.
 */
function migrateV0toV1(file: Raw): Raw {
  const nodes = asArray(file.nodes, 'nodes').map((node, index) => {
    const n = asObject(node, `nodes[${index}]`);
    const position = Array.isArray(n.position) ? { x: Number(n.position[0] ?? 0), y: Number(n.position[1] ?? 0) } : undefined;
    const migrated: Raw = { id: n.id, type: n.type, typeVersion: 1, config: n.params ?? {} };
    if (position) migrated.ui = { position };
    return migrated;
  });
  const edges = asArray(file.links ?? [], 'links').map((link, index) => {
    if (!Array.isArray(link) || link.length !== 4) throw new MigrationError(`links[${index}] must be [fromNode, fromPort, toNode, toPort]`);
    const [fromNode, fromPort, toNode, toPort] = link;
    return { id: `e${index + 1}`, from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
  });
  return {
    $schema: PIPELINE_SCHEMA_URL,
    format: PIPELINE_FORMAT,
    version: 1,
    name: file.name ?? 'Untitled pipeline',
    description: file.description ?? '',
    nodes,
    edges,
  };
}

/** `MIGRATIONS[n]` turns version n into version n + 1. */
const MIGRATIONS: Record<number, MigrationStep> = { 0: migrateV0toV1 };

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrationResult {
  file: Raw;
  /** The version the file had before migrating; equal to the current version when nothing changed. */
  fromVersion: number;
  steps: number;
}

/** Reads the version of a raw file and applies each step up to the current version. Throws MigrationError. */
export function migratePipelineFile(raw: unknown): MigrationResult {
  const file = asObject(raw, 'the file');
  if (file.format !== undefined && file.format !== PIPELINE_FORMAT) {
    throw new MigrationError(`"format" is ${JSON.stringify(file.format)}, expected "${PIPELINE_FORMAT}": this is not a Crucible pipeline file`);
  }
  if (file.version === undefined && !looksLikeVersion0(file)) {
    // Reading it as version 0 would drop every `config` and edge without a word.
    throw new MigrationError(`"version" is missing; this file is written in the current shape (nodes with "config", "edges"), so add "version": ${PIPELINE_VERSION} after "format"`);
  }
  const version = file.version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new MigrationError(`"version" must be a whole number, got ${JSON.stringify(version)}`);
  }
  if (version > PIPELINE_VERSION) {
    throw new MigrationError(`this file is version ${version}, saved by a newer Crucible; this one reads up to version ${PIPELINE_VERSION}. Update Crucible to open it`);
  }
  let current = file;
  for (let v = version; v < PIPELINE_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new MigrationError(`no migration from version ${v} to ${v + 1}`);
    current = step(current);
  }
  return { file: current, fromVersion: version, steps: PIPELINE_VERSION - version };
}

/** The prototype's files had no version: `params` and `links`, and nothing of version 1's shape. */
function looksLikeVersion0(file: Raw): boolean {
  if (file.format !== undefined || file.edges !== undefined) return false;
  const nodes = Array.isArray(file.nodes) ? file.nodes : [];
  return !nodes.some((node) => node !== null && typeof node === 'object' && ('config' in node || 'typeVersion' in node));
}

function asObject(value: unknown, what: string): Raw {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MigrationError(`${what} must be a JSON object`);
  return value as Raw;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new MigrationError(`"${what}" must be an array`);
  return value;
}
