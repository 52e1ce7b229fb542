// The backup format (`cms backup FILE`), version newsroom-cms-backup/1: an uncompressed tar of
//   manifest.json                   always first: what follows, read before anything is restored
//   database.sqlite                 SQLite: the database file (rollback-journal mode, one file)
//   database.pgdump                 PostgreSQL: `pg_dump --format=custom`
//   media/originals/ab/<sha256>     every original image file (renditions are remade on request)
// The manifest names the engine (a backup restores only into the same engine; export/import
// moves between engines) and the last migration applied, so a restore can refuse a backup
// made by a newer version of the CMS than the one restoring it.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Engine } from '../../db/database.ts';
import { MIGRATIONS_DIR } from '../../db/migrate.ts';

export const FORMAT = 'newsroom-cms-backup/1';
export const MANIFEST_ENTRY = 'manifest.json';
export const DATABASE_ENTRY: Record<Engine, string> = { sqlite: 'database.sqlite', postgres: 'database.pgdump' };
/** media/originals/<first two hex digits>/<sha256>, the media folder's own layout. */
export const MEDIA_ENTRY = /^media\/originals\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

export const mediaEntryName = (sha256: string) => `media/originals/${sha256.slice(0, 2)}/${sha256}`;

const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  engine: z.enum(['sqlite', 'postgres']),
  createdAt: z.string(),
  migrations: z.object({ applied: z.number().int().min(0), last: z.string().nullable() }),
  database: z.object({ file: z.string(), bytes: z.number().int().min(0) }),
  media: z.object({ files: z.number().int().min(0), bytes: z.number().int().min(0) }),
});

export type Manifest = z.infer<typeof ManifestSchema>;

/** The manifest's text, or why it is not one (a backup of another format or version). */
export function parseManifest(data: Buffer): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return 'its manifest.json is not JSON';
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== FORMAT) return `its format is ${format}; this version of the CMS reads ${FORMAT}`;
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `its manifest.json is not valid (${issue.path.join('.') || 'manifest'}: ${issue.message})`;
  }
  return parsed.data;
}

interface JournalEntry {
  when: number;
  tag: string;
}

function journal(engine: Engine): JournalEntry[] {
  const file = path.join(MIGRATIONS_DIR, engine, 'meta', '_journal.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries;
}

/**
 * The migrations a database has applied, from drizzle's table: how many, and the tag of the
 * last (drizzle stores each migration's journal `when` as created_at).
 */
export function describeMigrations(engine: Engine, rows: { count: number; lastCreatedAt: number | null }): Manifest['migrations'] {
  if (rows.lastCreatedAt === null) return { applied: 0, last: null };
  const entry = journal(engine).find((e) => e.when === rows.lastCreatedAt);
  return { applied: rows.count, last: entry?.tag ?? `unknown (${rows.lastCreatedAt})` };
}

/** True when this version of the CMS knows the backup's last migration (it can run on it). */
export function knowsMigration(engine: Engine, last: string | null): boolean {
  return last === null || journal(engine).some((e) => e.tag === last);
}
