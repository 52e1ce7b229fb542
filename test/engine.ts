// Which engine this test process runs on: `CMS_TEST_ENGINE=postgres` (set by the twin files
// under test/postgres/) or SQLite. On PostgreSQL every test database is a new database made
// from a migrated template, dropped when its test ends.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Test } from 'tap';
import { MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { databaseUrl, withClient } from '../scripts/pg-admin.ts';

export type TestEngine = 'sqlite' | 'postgres';

export const ENGINE: TestEngine = process.env.CMS_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** The server the PostgreSQL runs use (trust authentication on 127.0.0.1). */
export const PG_ADMIN_URL = process.env.CMS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function pgUrl(database: string): string {
  return databaseUrl(PG_ADMIN_URL, database);
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(PG_ADMIN_URL, fn);

/** The migrations' fingerprint: a template is remade when they change. */
function migrationsHash(): string {
  const h = crypto.createHash('sha256');
  const dir = path.join(MIGRATIONS_DIR, 'postgres');
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.sql')) h.update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 12);
}

let template: Promise<string> | null = null;

/** A migrated, empty template database (made once per migrations version, by one process). */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `cms_test_tpl_${migrationsHash()}`;
    await admin(async (c) => {
      await c.query('select pg_advisory_lock(7204172)');
      try {
        const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount) return;
        const building = `${name}_building_${process.pid}`;
        await c.query(`create database ${building}`);
        const { openDatabase } = await import('../src/db/database.ts');
        const { migrateDatabase } = await import('../src/db/migrate.ts');
        const db = await openDatabase(pgUrl(building), { pool: 2 });
        try {
          await migrateDatabase(db);
        } finally {
          await db.close();
        }
        await c.query(`alter database ${building} rename to ${name}`);
      } finally {
        await c.query('select pg_advisory_unlock(7204172)');
      }
    });
    return name;
  })();
  return template;
}

let counter = 0;

/**
 * A new database for one test, dropped at its end: a SQLite file in `dir`, or a PostgreSQL
 * database copied from the migrated template. Returns what `CMS_DB` should say.
 */
export async function testDatabase(t: Test, dir: string, opts: { migrated?: boolean } = {}): Promise<string> {
  if (ENGINE === 'sqlite') return path.join(dir, 'cms.sqlite');
  const name = `cms_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const from = opts.migrated === false ? 'template0' : await migratedTemplate();
  await admin(async (c) => {
    // Copies from one template may not overlap; retry while another copy is being made.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`create database ${name} template ${from}`);
        return;
      } catch (error) {
        if (!/being accessed by other users/.test((error as Error).message) || attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      }
    }
  });
  t.teardown(() => admin(async (c) => void (await c.query(`drop database if exists ${name} with (force)`))));
  return pgUrl(name);
}
