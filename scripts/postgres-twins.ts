// `node --import tsx scripts/postgres-twins.ts`: writes test/postgres/<path>.test.ts for every
// engine-neutral test file, so that tap runs each one a second time on PostgreSQL (each in its
// own process). test/postgres-twins.test.ts fails when a twin is missing or stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST = path.join(ROOT, 'test');

/** Test files that do not touch the database engine, or already run on both (or one) by design. */
export const NOT_TWINNED = new Set([
  'openapi/lint.test.ts',
  'openapi/spec.test.ts',
  'docs-browser.test.ts',
  'sdk/sdk.test.ts',
  'postgres-twins.test.ts',
  'db/schema-parity.test.ts',
  'db/migrations.test.ts',
  'db/upgrade.test.ts', // a SQLite file made by the first release
  'multi-instance.test.ts', // PostgreSQL only
  'faults.test.ts', // PostgreSQL only
  'startup.test.ts', // the engine choice itself
  'architecture.test.ts', // reads source files only
  'http/list-route.test.ts', // a bare Fastify, no database
  'modules/transfer/round-trip.test.ts', // SQLite → SQLite and SQLite → PostgreSQL → SQLite in one file
  'modules/transfer/search-vector.test.ts', // PostgreSQL only
  'db/sqlite-busy.test.ts', // SQLite only: another process's write lock
  'cli/progress.test.ts', // no database
]);

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'postgres' || e.name === 'artifacts' ? [] : walk(full);
    return e.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Every twin that should exist: its path under test/postgres/ and its text. */
export function expectedTwins(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of walk(TEST)) {
    const rel = path.relative(TEST, file).split(path.sep).join('/');
    if (NOT_TWINNED.has(rel) || rel.startsWith('postgres/')) continue;
    const twin = path.join(TEST, 'postgres', rel);
    const up = path.relative(path.dirname(twin), TEST).split(path.sep).join('/');
    out.set(
      twin,
      `// The PostgreSQL run of test/${rel} (written by scripts/postgres-twins.ts; do not edit).\n` +
        `import { onPostgres } from '${up}/engine-postgres.ts';\n\n` +
        `await onPostgres(() => import('${up}/${rel}'));\n`,
    );
  }
  return out;
}

export function existingTwins(): string[] {
  const dir = path.join(TEST, 'postgres');
  return fs.existsSync(dir) ? walk2(dir) : [];
}

function walk2(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk2(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const expected = expectedTwins();
  for (const stale of existingTwins()) if (!expected.has(stale)) fs.rmSync(stale);
  for (const [file, text] of expected) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  console.log(`${expected.size} PostgreSQL twins in test/postgres/`);
}
