// Tests for opening the database: pragmas, the migration runner (older files, failing steps, files from a newer
// release) and the store's own schema.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, DATABASE_FILE_NAME, openDatabase, schemaVersionOf, type MigrationStep } from './database.ts';
import { STORE_MIGRATIONS } from './migrations.ts';

let tempDir: string;
beforeEach(() => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-db-'));
});
afterEach(() => {
  fs.rmSync(tempDir, { recursive: true, force: true });
});

function tableNames(db: Database.Database): string[] {
  return db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
}

/** A database at version 1 of a small notes schema, written by hand as an older release would have left it. */
function buildVersionOneNotes(file: string): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
           INSERT INTO notes (text) VALUES ('first'), ('second');`);
  db.pragma('user_version = 1');
  db.close();
}

const notesV1: MigrationStep = { version: 1, description: 'notes', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)' };
const notesV2: MigrationStep = { version: 2, description: 'note authors', up: `ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown'` };
const notesV3: MigrationStep = {
  version: 3,
  description: 'upper-case note texts',
  up: (db) => {
    const rows = db.prepare('SELECT id, text FROM notes').all() as { id: number; text: string }[];
    const update = db.prepare('UPDATE notes SET text = ? WHERE id = ?');
    for (const row of rows) update.run(row.text.toUpperCase(), row.id);
  },
};

describe('openDatabase', () => {
  it('creates <dataDir>/crucible.db with WAL, foreign keys, a busy timeout and the full store schema', () => {
    const dataDir = path.join(tempDir, 'nested', 'data');
    const db = openDatabase({ dataDir }, { busyTimeoutMs: 1234 });
    try {
      expect(fs.existsSync(path.join(dataDir, DATABASE_FILE_NAME))).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(schemaVersionOf(db)).toBe(STORE_MIGRATIONS.length);
      expect(tableNames(db)).toEqual(expect.arrayContaining(['artifacts', 'log_lines', 'metric_points', 'run_nodes', 'runs', 'services']));
    } finally {
      db.close();
    }
  });

  it('reopening an up-to-date database changes nothing', () => {
    const file = path.join(tempDir, 'store.db');
    openDatabase({ file }).close();
    const db = openDatabase({ file });
    expect(schemaVersionOf(db)).toBe(STORE_MIGRATIONS.length);
    db.close();
  });

  it('migrates a hand-built version-1 database to the latest version and keeps its data', () => {
    const file = path.join(tempDir, 'notes.db');
    buildVersionOneNotes(file);
    const db = openDatabase({ file }, { migrations: [notesV1, notesV2, notesV3] });
    try {
      expect(schemaVersionOf(db)).toBe(3);
      expect(db.prepare('SELECT text, author FROM notes ORDER BY id').all()).toEqual([
        { text: 'FIRST', author: 'unknown' },
        { text: 'SECOND', author: 'unknown' },
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer release and leaves it untouched', () => {
    const file = path.join(tempDir, 'future.db');
    buildVersionOneNotes(file);
    const future = new Database(file);
    future.pragma('user_version = 7');
    future.close();

    expect(() => openDatabase({ file }, { migrations: [notesV1, notesV2] })).toThrow(
      /future\.db has schema version 7, but this Crucible only knows versions up to 2: .*newer release/,
    );
    const check = new Database(file, { readonly: true });
    expect(schemaVersionOf(check)).toBe(7);
    expect(tableNames(check)).toEqual(['notes']);
    check.close();
  });

  it('rolls a failing step back completely and names it in the error', () => {
    const file = path.join(tempDir, 'broken.db');
    buildVersionOneNotes(file);
    const broken: MigrationStep = {
      version: 2,
      description: 'half-done change',
      up: 'CREATE TABLE tags (name TEXT); INSERT INTO no_such_table VALUES (1);',
    };
    expect(() => openDatabase({ file }, { migrations: [notesV1, broken] })).toThrow(
      /schema migration 2 \("half-done change"\) failed and was rolled back: no such table: no_such_table/,
    );
    const check = new Database(file, { readonly: true });
    expect(schemaVersionOf(check)).toBe(1);
    expect(tableNames(check)).toEqual(['notes']);
    check.close();
  });
});

describe('applyMigrations', () => {
  it('rejects a step list whose versions are not 1, 2, 3... in order', () => {
    const db = new Database(':memory:');
    expect(() => applyMigrations(db, [notesV1, notesV3])).toThrow(/step "upper-case note texts" at position 1 has version 3/);
    expect(schemaVersionOf(db)).toBe(0);
    db.close();
  });

  it('applies only the steps newer than the database', () => {
    const db = new Database(':memory:');
    applyMigrations(db, [notesV1]);
    db.prepare(`INSERT INTO notes (text) VALUES ('kept')`).run();
    applyMigrations(db, [notesV1, notesV2]);
    expect(schemaVersionOf(db)).toBe(2);
    expect(db.prepare('SELECT text, author FROM notes').all()).toEqual([{ text: 'kept', author: 'unknown' }]);
    db.close();
  });
});
