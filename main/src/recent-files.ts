// The recently opened pipeline files, newest first, kept in a small JSON file in the app's user-data folder.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from './atomic-write.ts';

const storedSchema = z.object({ files: z.array(z.string().min(1)) });

export class RecentFiles {
  private files: string[];

  constructor(
    private readonly storeFile: string,
    private readonly maxFiles = 10,
    private readonly onChange: (files: string[]) => void = () => undefined,
  ) {
    this.files = readStored(storeFile).slice(0, maxFiles);
  }

  list(): string[] {
    return [...this.files];
  }

  has(file: string): boolean {
    return this.files.includes(path.resolve(file));
  }

  add(file: string): void {
    const absolute = path.resolve(file);
    this.update([absolute, ...this.files.filter((known) => known !== absolute)].slice(0, this.maxFiles));
  }

  remove(file: string): void {
    const absolute = path.resolve(file);
    this.update(this.files.filter((known) => known !== absolute));
  }

  clear(): void {
    this.update([]);
  }

  private update(files: string[]): void {
    this.files = files;
    writeFileAtomically(this.storeFile, `${JSON.stringify({ files }, null, 2)}\n`);
    this.onChange(this.list());
  }
}

/** A missing or damaged store starts an empty list rather than stopping the app. */
function readStored(storeFile: string): string[] {
  if (!existsSync(storeFile)) return [];
  try {
    const parsed = storedSchema.safeParse(JSON.parse(readFileSync(storeFile, 'utf8')));
    return parsed.success ? parsed.data.files.filter((file) => path.isAbsolute(file)) : [];
  } catch {
    return [];
  }
}
