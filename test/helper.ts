// Test plumbing: build(t) boots the real app against a temporary database and media
// directory (migrated, fixtures loaded), torn down when the test ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import { buildApp, createServices, type Services } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { closeDatabase, openDatabase, type Database } from '../src/db/database.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import type { ArticleStatus, TokenRole } from '../src/db/schema.ts';
import type { ArticleRecord } from '../src/modules/articles/service.ts';
import { loadSeed } from '../src/seed/load.ts';
import { checkContract } from './contract.ts';
import { ENGINE, testDatabase } from './engine.ts';

export { ENGINE } from './engine.ts';

export const SEED_SLUG = 'south-korea-worries-putin-visit-could-tighten-military-bonds-between-north-and-russia';

export interface Clock {
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

/** A clock tests can move; starts at the real time. */
export function testClock(start = Date.now()): Clock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

export function tempDir(t: Test, prefix = 'cms-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Built {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: Database;
  config: Config;
  services: Services;
  clock: Clock;
  dir: string;
  /** A bearer token with the given role (default editor), as an Authorization header. */
  auth(role?: TokenRole): { authorization: string };
}

export async function build(t: Test, opts: { seed?: boolean; config?: Partial<Config>; clock?: Clock } = {}): Promise<Built> {
  const dir = tempDir(t);
  const config = loadConfig({}, { CMS_DB: await testDatabase(t, dir), CMS_DB_POOL: 4, CMS_MEDIA_DIR: path.join(dir, 'media'), LOG_LEVEL: 'silent', CMS_RATE_LIMIT_WRITES: 100_000, CMS_RATE_LIMIT_AUTH_FAILURES: 100_000, ...opts.config });
  const db = await openDatabase(config.CMS_DB, { pool: config.CMS_DB_POOL });
  if (ENGINE === 'sqlite') await migrateDatabase(db);
  const clock = opts.clock ?? testClock();
  const services = createServices({ config, db, now: clock.now });
  if (opts.seed !== false) await loadSeed(services, clock.now());
  const app = await buildApp({ config, db, now: clock.now, logger: false });
  checkContract(app, t);
  t.teardown(async () => {
    await app.close();
    await closeDatabase(db);
  });
  // Made up front so that auth() can stay synchronous in tests.
  const tokens = new Map<TokenRole, string>();
  for (const role of ['writer', 'editor', 'admin'] as const) tokens.set(role, (await services.tokens.create(`test-${role}`, role)).token);
  return {
    app,
    db,
    config,
    services,
    clock,
    dir,
    auth(role: TokenRole = 'editor') {
      return { authorization: `Bearer ${tokens.get(role)!}` };
    },
  };
}

/** Ids of the seed's sections and authors, by path and slug. */
export async function seedIds(services: Services) {
  const sections = new Map((await services.repositories.sections.list({ limit: 1000 })).map((s) => [s.path, s.id]));
  const authors = new Map((await services.repositories.authors.list({ limit: 1000 })).map((a) => [a.slug, a.id]));
  const author = (slug: string) => authors.get(slug)!;
  return { sections, author };
}

let counter = 0;

/**
 * Inserts an article straight through the article service (the same path the seed uses).
 * Defaults: published now in `national/north-korea`, by Lim Jeong-won, one paragraph.
 */
export async function addArticle(
  built: Pick<Built, 'services' | 'clock'>,
  over: Partial<Omit<ArticleRecord, 'status'>> & { status?: ArticleStatus; sectionPath?: string; authorSlugs?: string[]; tagNames?: string[] } = {},
): Promise<ArticleRecord> {
  const { services, clock } = built;
  const ids = await seedIds(services);
  const n = ++counter;
  const at = clock.now();
  const status = over.status ?? 'published';
  const publishedAt = over.publishedAt !== undefined ? over.publishedAt : status === 'draft' ? null : at;
  const tagIds = over.tagIds ?? await services.repositories.tags.ensure((over.tagNames ?? []).map((name) => ({ id: uuidv7(), name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-') })), at);
  const { sectionPath, authorSlugs, tagNames: _tags, ...rest } = over;
  const record: ArticleRecord = {
    id: uuidv7(),
    slug: `test-article-${process.pid}-${n}`,
    headline: `Test article ${n}`,
    subheadline: null,
    summary: null,
    body: [{ type: 'paragraph', text: `Paragraph of test article ${n}.` }],
    version: 1,
    sectionId: ids.sections.get(sectionPath ?? 'national/north-korea')!,
    secondarySectionIds: [],
    authorIds: (authorSlugs ?? ['lim-jeong-won']).map(ids.author),
    leadImage: null,
    relatedLinks: [],
    dateline: null,
    language: 'en',
    canonicalUrl: null,
    kicker: null,
    translationGroup: null,
    firstPublishedAt: publishedAt,
    createdAt: at,
    updatedAt: at,
    ...rest,
    tagIds,
    status,
    publishedAt,
  };
  await services.articles.save(record, 'test', true);
  return record;
}
