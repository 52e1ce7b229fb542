// The two schema files (src/db/schema.ts for SQLite, src/db/schema-postgres.ts) describe the
// same tables: the same names, columns (name, nullability, primary key), indexes (name,
// columns, uniqueness), foreign keys and checks. What PostgreSQL alone has is listed below.
import { getTableConfig as pgConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { is, Table } from 'drizzle-orm';
import t from 'tap';
import * as pgSchema from '../../src/db/schema-postgres.ts';
import * as sqliteSchema from '../../src/db/schema.ts';

// Compile-time twin of the runtime check (`npm run typecheck`): a row reads the same on both.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameRows: [
  Equal<typeof sqliteSchema.articles.$inferSelect, Omit<typeof pgSchema.articles.$inferSelect, 'search'>>,
  Equal<typeof sqliteSchema.sections.$inferSelect, typeof pgSchema.sections.$inferSelect>,
  Equal<typeof sqliteSchema.articleFeed.$inferSelect, typeof pgSchema.articleFeed.$inferSelect>,
  Equal<typeof sqliteSchema.images.$inferSelect, typeof pgSchema.images.$inferSelect>,
  Equal<typeof sqliteSchema.idempotencyKeys.$inferSelect, typeof pgSchema.idempotencyKeys.$inferSelect>,
  Equal<typeof sqliteSchema.changes.$inferSelect, typeof pgSchema.changes.$inferSelect>,
] = [true, true, true, true, true, true];
void sameRows;

/** PostgreSQL's full-text column and its GIN index (SQLite keeps its FTS5 table in a custom migration). */
const PG_ONLY_COLUMNS = new Set(['articles.search']);
const PG_ONLY_INDEXES = new Set(['articles_search_idx']);

function tables<S extends Record<string, unknown>>(schema: S) {
  return Object.entries(schema).filter(([, v]) => is(v, Table)) as [string, Table][];
}

function describeSqlite(table: SQLiteTable) {
  const c = sqliteConfig(table);
  return {
    name: c.name,
    columns: c.columns.map((col) => `${col.name}${col.notNull ? ' not null' : ''}${col.primary ? ' pk' : ''}`).sort(),
    primaryKeys: c.primaryKeys.map((pk) => pk.columns.map((col) => col.name).join(',')).sort(),
    indexes: [
      ...c.indexes.map((i) => `${i.config.name}${i.config.unique ? ' unique' : ''}(${i.config.columns.map((col) => (col as { name: string }).name).join(',')})`),
    ].sort(),
    foreignKeys: c.foreignKeys.map((fk) => {
      const r = fk.reference();
      return `${r.columns.map((col) => col.name).join(',')}→${sqliteConfig(r.foreignTable).name}(${r.foreignColumns.map((col) => col.name).join(',')}) on delete ${fk.onDelete}`;
    }).sort(),
    checks: c.checks.map((ch) => ch.name).sort(),
  };
}

function describePg(table: PgTable) {
  const c = pgConfig(table);
  return {
    name: c.name,
    columns: c.columns
      .filter((col) => !PG_ONLY_COLUMNS.has(`${c.name}.${col.name}`))
      .map((col) => `${col.name}${col.notNull ? ' not null' : ''}${col.primary ? ' pk' : ''}`)
      .sort(),
    primaryKeys: c.primaryKeys.map((pk) => pk.columns.map((col) => col.name).join(',')).sort(),
    indexes: [
      ...c.indexes
        .filter((i) => !PG_ONLY_INDEXES.has(i.config.name!))
        .map((i) => `${i.config.name}${i.config.unique ? ' unique' : ''}(${i.config.columns.map((col) => (col as { name: string }).name).join(',')})`),
      // A unique constraint is backed by a unique index of the same name.
      ...c.uniqueConstraints.map((u) => `${u.name} unique(${u.columns.map((col) => col.name).join(',')})`),
      ...c.columns.filter((col) => col.isUnique).map((col) => `${col.uniqueName} unique(${col.name})`),
    ].sort(),
    foreignKeys: c.foreignKeys.map((fk) => {
      const r = fk.reference();
      return `${r.columns.map((col) => col.name).join(',')}→${pgConfig(r.foreignTable).name}(${r.foreignColumns.map((col) => col.name).join(',')}) on delete ${fk.onDelete}`;
    }).sort(),
    checks: c.checks.map((ch) => ch.name).sort(),
  };
}

t.test('both schema files export the same tables under the same names', async (t) => {
  const sqliteTables = tables(sqliteSchema).map(([k]) => k).sort();
  const pgTables = tables(pgSchema).map(([k]) => k).sort();
  t.same(pgTables, sqliteTables);
  t.ok(sqliteTables.length >= 14, `${sqliteTables.length} tables`);
});

t.test('each table has the same columns, keys, indexes, foreign keys and checks', async (t) => {
  const pg = new Map(tables(pgSchema));
  for (const [name, table] of tables(sqliteSchema)) {
    const other = pg.get(name);
    if (!other) continue;
    t.same(describePg(other as PgTable), describeSqlite(table as SQLiteTable), name);
  }
});

t.test('the PostgreSQL-only parts are what the comment says', async (t) => {
  const articles = pgConfig(pgSchema.articles);
  t.ok(articles.columns.some((c) => c.name === 'search' && c.getSQLType() === 'tsvector'), 'articles.search is a tsvector');
  const gin = articles.indexes.find((i) => i.config.name === 'articles_search_idx');
  t.equal(gin?.config.method, 'gin', 'with a GIN index');
  const times = pgConfig(pgSchema.articleFeed).columns.filter((c) => c.name.endsWith('_at') || c.name === 'published_sort');
  t.ok(times.length >= 3 && times.every((c) => c.getSQLType().startsWith('timestamp') && c.getSQLType().includes('with time zone')), 'times are timestamptz');
});
