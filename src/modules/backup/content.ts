// What backup and restore share besides the format: the one-line failure they report, and
// what makes a database "not empty" for a restore (which refuses to overwrite content).
import type { Engine } from '../../db/database.ts';

/**
 * The tables whose rows are a newsroom's content. A database with none of them filled is new
 * or empty whatever else it holds (tokens, change log, jobs): a restore may replace it.
 */
export const CONTENT_TABLES = ['sections', 'authors', 'images', 'tags', 'articles', 'webhooks'] as const;

/** An expected failure (bad file, refused target, missing tool): its message is the one line shown. */
export class BackupError extends Error {}

export function notEmptyError(label: string, filled: string[]): BackupError {
  return new BackupError(`restore refused: ${label} is not empty (it has ${filled.join(', ')}); restore only into a new or empty database. Nothing was changed.`);
}

export const ENGINE_NAME: Record<Engine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
