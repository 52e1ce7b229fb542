// `cms import DIR`: loads an export (format.ts) in one transaction: all of it or nothing.
//
// - Every line is parsed and validated (the API's field schemas); references are checked
//   against what the file brought so far and what the database holds; every bad line is
//   reported as `content.ndjson:LINE: <field>: <problem>` (up to MAX_ERRORS), and then
//   nothing is stored. Ctrl-C (the signal) stops at the next line and stores nothing.
// - Ids, slugs, dates, statuses and versions are kept. What the database already holds
//   identically is left alone (a second import of the same export changes nothing); an
//   article whose version or updatedAt differs is replaced by the file's; a slug taken by
//   something else is an error.
// - New articles are written in bulk (bulk.ts: prepared statements on SQLite, COPY on
//   PostgreSQL), with their list rows, search index, empty documents, revisions and sync rows;
//   in a database holding no article, the list and search indexes are built once at the end.
// - Readers and other instances see the import at its commit, as any write: its cache keys
//   evict what it changed, sync lists the public articles it brought, and webhooks get one
//   `import.completed` event (never one request per article).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { isPublicAt } from '../articles/assemble.ts';
import { feedChangeKeys } from '../articles/assemble.ts';
import { createFeedRepository } from '../articles/feed-repository.ts';
import { postgresSearch } from '../articles/search-postgres.ts';
import type { StoredBlock } from '../articles/schemas.ts';
import { markSync, syncStateOf } from '../events/article-events.ts';
import { enqueueEvent } from '../events/outbox.ts';
import { mediaLayout, originalPath } from '../images/storage-paths.ts';
import { newSecret } from '../webhooks/signature.ts';
import { createProgress, type Progress, secondsSince } from '../../cli/progress.ts';
import { articleRows, imageUses } from './article-rows.ts';
import { bulkWriter, type BulkArticle, type BulkTable, type BulkWriter, turn } from './bulk.ts';
import {
  type ArticleData, type AuthorData, HeaderLine, type ImageData, KINDS, type Kind, LINE_SCHEMAS, mediaPathOf, type RevisionData, type SectionData, type TagData, type WebhookData,
} from './format.ts';
import { createTransferRepository } from './repository.ts';

export const MAX_ERRORS = 50;
const BATCH = 1000;
const FILE = 'content.ndjson';
const YIELD_EVERY = 32;

/** The import was refused: `message` lists the bad lines; nothing was stored. */
export class ImportRejectedError extends Error {
  constructor(
    readonly problems: string[],
    summary: string,
  ) {
    super([...problems, summary].join('\n'));
  }
}

/** Interrupted (Ctrl-C): nothing was stored. */
export class ImportAbortedError extends Error {}

export interface ImportOptions {
  db: Database;
  mediaDir: string;
  dir: string;
  signal?: AbortSignal;
  bar?: boolean;
  now?: () => number;
}

type Tally = { inserted: number; updated: number; unchanged: number };

export interface ImportReport {
  counts: Record<Kind, Tally>;
  /** New webhooks get a new secret (exports never carry one): shown here once. */
  webhookSecrets: { id: string; url: string; secret: string }[];
  seconds: number;
}

interface PendingArticle {
  line: number;
  data: ArticleData;
  revisions: { line: number; data: RevisionData }[];
}

export async function importContent(opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const now = opts.now ?? Date.now;
  const file = path.join(opts.dir, FILE);
  if (!fs.existsSync(file)) throw new ImportRejectedError([`${file}: not found (is ${opts.dir} an export made by \`cms export\`?)`], 'import: nothing was imported');
  const db = opts.db;
  const t = db.tables;
  const repo = createTransferRepository(db);
  const feedRepo = createFeedRepository(db);
  const layout = mediaLayout(opts.mediaDir);

  const counts = Object.fromEntries(KINDS.map((k) => [k, { inserted: 0, updated: 0, unchanged: 0 }])) as Record<Kind, Tally>;
  const problems: string[] = [];
  let badLines = 0;
  let lastBadLine = 0;
  const fail = (line: number, field: string, problem: string) => {
    if (line !== lastBadLine) badLines++;
    lastBadLine = line;
    if (problems.length < MAX_ERRORS) problems.push(`${FILE}:${line}: ${field}: ${problem}`);
  };
  const webhookSecrets: ImportReport['webhookSecrets'] = [];
  const copiedFiles: string[] = [];
  // Made when the header is read (its counts are the bar's total).
  let progress = null as Progress | null;
  let begun = null as BulkWriter | null;

  try {
    await db.transaction(
      async () => {
        const existing = await repo.existingSmall();
        const rebuildIndexes = (await repo.articleCount()) === 0;
        // Read before any article is written (a deleted article's sync row outlives it).
        const tombstones = await repo.syncTombstones();
        const dbHasArticles = !rebuildIndexes;
        const writer = await bulkWriter(db);
        begun = writer;
        await writer.begin({ rebuildIndexes });

        // What the file and the database hold, for references and uniqueness.
        const sectionInfo = new Map<string, { parentId: string | null; path: string; depth: number; slug: string }>();
        for (const s of existing.section.values()) sectionInfo.set(s.id, { parentId: s.parentId, path: s.path, depth: s.depth, slug: s.slug });
        const sectionPaths = new Map([...existing.section.values()].map((s) => [s.path, s.id]));
        const authorSlugs = new Map([...existing.author.values()].map((a) => [a.slug, a.id]));
        const tagSlugs = new Map([...existing.tag.values()].map((x) => [x.slug, x.id]));
        const known = { author: new Set(existing.author.keys()), tag: new Set(existing.tag.keys()), image: new Set(existing.image.keys()) };
        const fileArticles = new Set<string>();
        const fileSlugs = new Set<string>();
        const groups = new Map<string, Map<string, { id: string; line: number }>>();
        const small: Partial<Record<BulkTable, unknown[][]>> = {};
        const queue = (table: BulkTable, row: unknown[]) => (small[table] ??= []).push(row);
        const forwardLinks: { line: number; row: unknown[] }[] = [];
        const keys = new Set<string>(['public']);
        const syncNew: { id: string; version: number }[] = [];
        const replaced: { id: string; isPublic: boolean; version: number }[] = [];
        let pending: PendingArticle[] = [];
        const deferredUpdates: (() => Promise<unknown>)[] = [];
        const ancestors = (ids: string[]) => {
          const out: string[] = [];
          for (const id of ids) for (let s: string | null = id; s && !out.includes(s); s = sectionInfo.get(s)?.parentId ?? null) out.push(s);
          return out;
        };

        const flushSmall = async () => {
          if (problems.length > 0) return;
          for (const table of ['sections', 'authors', 'tags', 'images', 'webhooks'] as const) {
            const rows = small[table];
            if (rows?.length) await writer.rows(table, rows);
            delete small[table];
          }
        };

        /** Checks a batch of articles against the database, then writes it. */
        const flushArticles = async () => {
          const batch = pending;
          pending = [];
          if (batch.length === 0) return;
          const stored = dbHasArticles ? await repo.articlesByIdOrSlug(batch.map((p) => p.data.id), batch.map((p) => p.data.slug)) : [];
          const byId = new Map(stored.map((r) => [r.id, r]));
          const bySlug = new Map(stored.map((r) => [r.slug, r]));
          // Link targets neither in the file so far nor in this batch: maybe stored.
          const unknownTargets = batch.flatMap((p) => p.data.relatedLinks.flatMap((l) => (l.targetArticleId && !fileArticles.has(l.targetArticleId) ? [l.targetArticleId] : [])));
          const storedTargets = dbHasArticles ? await repo.existingArticleIds([...new Set(unknownTargets)]) : new Set<string>();
          const isStored = (id: string) => fileArticles.has(id) || storedTargets.has(id);

          const inserts: BulkArticle[] = [];
          const children = new Map<BulkTable, unknown[][]>();
          const revisionsOf: PendingArticle[] = [];
          for (const p of batch) {
            const a = p.data;
            const owner = bySlug.get(a.slug);
            if (owner && owner.id !== a.id) {
              fail(p.line, 'slug', `already used by another article (${owner.id})`);
              continue;
            }
            const before = byId.get(a.id);
            if (before && before.version === a.version && before.updatedAt === a.updatedAt) {
              counts.article.unchanged++;
              revisionsOf.push(p);
              continue;
            }
            const rows = articleRows(a, ancestors([a.sectionId, ...a.secondarySectionIds]), isStored);
            for (const row of rows.forwardLinks) forwardLinks.push({ line: p.line, row });
            if (problems.length > 0) continue;
            if (before) {
              await replaceArticle(a);
              counts.article.updated++;
            } else {
              inserts.push(rows.article);
              counts.article.inserted++;
              if (isPublicAt(a, now())) syncNew.push({ id: a.id, version: a.version });
            }
            for (const [table, list] of rows.children) {
              const into = children.get(table) ?? children.set(table, []).get(table)!;
              for (const row of list) into.push(row);
            }
            for (const key of rows.feedKeys) keys.add(`feed:${key}`);
            revisionsOf.push(p);
          }
          if (problems.length > 0) return;
          await flushSmall();
          if (inserts.length > 0) await writer.articles(inserts);
          for (const [table, rows] of children) await writer.rows(table, rows);
          await writeRevisions(revisionsOf, byId);
          await writer.rows('article_docs', inserts.map((r) => [r.values[0]]));
        };

        /** An article stored before with another version: its row updated, its relations rewritten. */
        const replaceArticle = async (a: ArticleData) => {
          const before = await feedRepo.entryOf(a.id);
          const wasPublic = (await syncStateOf(db, a.id))?.public ?? false;
          for (const table of [t.articleAuthors, t.articleSections, t.articleTags, t.relatedLinks, t.articleImages, t.articleFeed, t.articleCorrections]) {
            await db.q.delete(table).where(eq(table.articleId, a.id));
          }
          const body = a.body as StoredBlock[];
          const values = {
            slug: a.slug, headline: a.headline, subheadline: a.subheadline, summary: a.summary, body, status: a.status, version: a.version, sectionId: a.sectionId,
            leadImageId: a.leadImage?.imageId ?? null, leadImageCaption: a.leadImage?.caption ?? null, leadImageCredit: a.leadImage?.credit ?? null,
            dateline: a.dateline, language: a.language, canonicalUrl: a.canonicalUrl, kicker: a.kicker, translationGroup: a.translationGroup,
            publishedAt: a.publishedAt, firstPublishedAt: a.firstPublishedAt, createdAt: a.createdAt, updatedAt: a.updatedAt,
          };
          const search = db.engine === 'postgres' ? postgresSearch.indexColumns({ ...values, body }) : {};
          await db.q.update(t.articles).set({ ...values, ...search }).where(eq(t.articles.id, a.id));
          for (const key of feedChangeKeys(a.id, before, { keys: [], publicAt: null })) keys.add(key);
          const isPublic = isPublicAt(a, now());
          if (isPublic || wasPublic) replaced.push({ id: a.id, isPublic, version: a.version });
        };

        /** Revisions of a batch's articles: those the database does not hold yet. */
        const writeRevisions = async (list: PendingArticle[], byId: Map<string, unknown>) => {
          const storedBefore = await repo.revisionNumbers(list.filter((p) => byId.has(p.data.id)).map((p) => p.data.id));
          const rows: unknown[][] = [];
          for (const p of list) {
            const have = storedBefore.get(p.data.id);
            for (const r of p.revisions) if (!have?.has(r.data.revision)) rows.push(revisionRow(r.data));
            counts.revision.inserted += p.revisions.filter((r) => !have?.has(r.data.revision)).length;
            counts.revision.unchanged += p.revisions.filter((r) => have?.has(r.data.revision)).length;
          }
          await writer.rows('article_revisions', rows);
        };
        const revisionRow = (r: RevisionData) => [r.articleId, r.revision, r.createdAt, r.createdBy, JSON.stringify(r.snapshot)];

        // ---- the lines ----
        const input = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
        let lineNo = 0;
        let header = false;
        for await (const text of input) {
          lineNo++;
          // The event loop turns every few lines, not only between chunks of the file: on
          // PostgreSQL each COPY takes round trips that only a turn of the loop can answer, so
          // without these the server waited while a whole chunk of lines was worked through.
          if (lineNo % YIELD_EVERY === 0) await turn();
          if (opts.signal?.aborted) throw new ImportAbortedError('import: interrupted; nothing was stored');
          if (problems.length >= MAX_ERRORS) break;
          if (text.trim() === '') continue;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (error) {
            fail(lineNo, 'line', `not valid JSON (${(error as Error).message})`);
            continue;
          }
          const kind = (value as { kind?: unknown } | null)?.kind;
          if (!header) {
            const parsed = HeaderLine.safeParse(value);
            if (!parsed.success) {
              for (const issue of parsed.error.issues) fail(lineNo, issue.path.join('.') || 'line', `${issue.message} (the first line must be the export's header)`);
              break;
            }
            header = true;
            progress = createProgress({ label: 'import', unit: 'lines', total: Object.values(parsed.data.counts).reduce((a, b) => a + b, 0), ...(opts.bar !== undefined ? { bar: opts.bar } : {}) });
            continue;
          }
          progress?.increment();
          if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
            fail(lineNo, 'kind', `unknown kind ${JSON.stringify(kind ?? null)} (expected one of ${KINDS.join(', ')})`);
            continue;
          }
          const parsed = LINE_SCHEMAS[kind as Kind].safeParse(value);
          if (!parsed.success) {
            for (const issue of parsed.error.issues) fail(lineNo, issue.path.join('.') || 'line', issue.message);
            continue;
          }
          const data = parsed.data;
          if (kind !== 'article' && kind !== 'revision' && pending.length > 0) await flushArticles();
          switch (data.kind) {
            case 'section':
              onSection(lineNo, data);
              break;
            case 'author':
              onAuthor(lineNo, data);
              break;
            case 'tag':
              onTag(lineNo, data);
              break;
            case 'image':
              await onImage(lineNo, data);
              break;
            case 'webhook':
              await onWebhook(lineNo, data);
              break;
            case 'article':
              onArticle(lineNo, data);
              if (pending.length >= BATCH) await flushArticles();
              break;
            case 'revision':
              await onRevision(lineNo, data);
              break;
          }
        }
        if (!header && problems.length === 0) fail(Math.max(1, lineNo), 'line', 'the file is empty (the first line must be the export\'s header)');
        await flushArticles();
        await flushSmall();

        // Links to articles further down the file, and translation groups, once every line is read.
        const linkTargets = dbHasArticles ? await repo.existingArticleIds([...new Set(forwardLinks.map((f) => f.row[4] as string).filter((id) => !fileArticles.has(id)))]) : new Set<string>();
        for (const f of forwardLinks) {
          const target = f.row[4] as string;
          if (!fileArticles.has(target) && !linkTargets.has(target)) fail(f.line, `relatedLinks.${f.row[1]}.targetArticleId`, `no article ${target} in this file or the database`);
        }
        if (dbHasArticles && groups.size > 0) {
          for (const m of await repo.translationMembers([...groups.keys()])) {
            if (fileArticles.has(m.id)) continue;
            const clash = groups.get(m.group!)?.get(m.language);
            if (clash) fail(clash.line, 'language', `the translation group already has an article in \`${m.language}\` (${m.id})`);
            else keys.add(`article:${m.id}`);
          }
        }
        if (problems.length > 0) throw new ImportRejectedError(problems, rejectedSummary());
        await writer.rows('related_links', forwardLinks.map((f) => f.row));
        await writer.settled();
        for (const update of deferredUpdates) await update();

        // Sync, the event, the cache keys: what any write does, once for the whole import.
        const at = now();
        if (syncNew.length > 0) {
          // An article deleted before and imported again: its sync row (a delete) gives way to the new one.
          const revived = syncNew.filter((s) => tombstones.has(s.id)).map((s) => s.id);
          if (revived.length > 0) await repo.deleteSyncRows(revived);
          const first = await writer.reserveSyncSeqs(syncNew.length);
          await writer.rows('article_sync', syncNew.map((s, i) => [s.id, first + i, 1, s.version, at]));
        }
        for (const r of replaced) await markSync(db, r.id, r.isPublic, r.version, at);
        await writer.finish();
        const changed = KINDS.some((k) => counts[k].inserted + counts[k].updated > 0);
        if (changed) {
          const data = { counts: Object.fromEntries(KINDS.map((k) => [k, { inserted: counts[k].inserted, updated: counts[k].updated }])), surrogateKeys: ['articles'] };
          await enqueueEvent(db, { type: 'import.completed', articleId: null, data }, at);
          db.changed(keys);
        }
        if (opts.signal?.aborted) throw new ImportAbortedError('import: interrupted; nothing was stored');

        // ---- one handler per kind (closures over the state above) ----
        function onSection(line: number, s: SectionData) {
          const parent = s.parentId === null ? null : sectionInfo.get(s.parentId);
          if (s.parentId !== null && !parent) return fail(line, 'parentId', `no section ${s.parentId} before this line or in the database (parents come first)`);
          const pathOf = parent ? `${parent.path}/${s.slug}` : s.slug;
          const stored = existing.section.get(s.id);
          if (stored) {
            if (stored.slug !== s.slug || stored.parentId !== s.parentId) {
              return fail(line, stored.slug !== s.slug ? 'slug' : 'parentId', `differs from the stored section ${s.id} (${stored.path}); move or rename it through the API first`);
            }
            if (stored.name === s.name && stored.description === s.description && stored.position === s.position && stored.createdAt === s.createdAt && stored.updatedAt === s.updatedAt) {
              counts.section.unchanged++;
              return;
            }
            counts.section.updated++;
            keys.add('*');
            return void later(() => db.q.update(t.sections).set({ name: s.name, description: s.description, position: s.position, createdAt: s.createdAt, updatedAt: s.updatedAt }).where(eq(t.sections.id, s.id)));
          }
          if (sectionInfo.has(s.id)) return fail(line, 'id', `section ${s.id} appears twice in the file`);
          const taken = sectionPaths.get(pathOf);
          if (taken) return fail(line, 'slug', `a section at ${pathOf} already exists (${taken})`);
          const depth = parent ? parent.depth + 1 : 0;
          sectionInfo.set(s.id, { parentId: s.parentId, path: pathOf, depth, slug: s.slug });
          sectionPaths.set(pathOf, s.id);
          queue('sections', [s.id, s.slug, s.name, s.description, s.parentId, pathOf, depth, s.position, s.createdAt, s.updatedAt]);
          counts.section.inserted++;
        }

        function onAuthor(line: number, a: AuthorData) {
          const taken = authorSlugs.get(a.slug);
          if (taken && taken !== a.id) return fail(line, 'slug', `already used by another author (${taken})`);
          const stored = existing.author.get(a.id);
          if (stored) {
            if (stored.slug === a.slug && stored.name === a.name && stored.email === a.email && stored.title === a.title && stored.bio === a.bio && stored.createdAt === a.createdAt && stored.updatedAt === a.updatedAt) {
              counts.author.unchanged++;
              return;
            }
            counts.author.updated++;
            keys.add(`author:${a.id}`);
            authorSlugs.set(a.slug, a.id);
            return void later(() => db.q.update(t.authors).set({ slug: a.slug, name: a.name, email: a.email, title: a.title, bio: a.bio, createdAt: a.createdAt, updatedAt: a.updatedAt }).where(eq(t.authors.id, a.id)));
          }
          if (known.author.has(a.id)) return fail(line, 'id', `author ${a.id} appears twice in the file`);
          known.author.add(a.id);
          authorSlugs.set(a.slug, a.id);
          queue('authors', [a.id, a.slug, a.name, a.email, a.title, a.bio, a.createdAt, a.updatedAt]);
          counts.author.inserted++;
        }

        function onTag(line: number, x: TagData) {
          const taken = tagSlugs.get(x.slug);
          if (taken && taken !== x.id) return fail(line, 'slug', `already used by another tag (${taken})`);
          const stored = existing.tag.get(x.id);
          if (stored) {
            if (stored.slug === x.slug && stored.name === x.name && stored.createdAt === x.createdAt) {
              counts.tag.unchanged++;
              return;
            }
            counts.tag.updated++;
            keys.add('*');
            tagSlugs.set(x.slug, x.id);
            return void later(() => db.q.update(t.tags).set({ slug: x.slug, name: x.name, createdAt: x.createdAt }).where(eq(t.tags.id, x.id)));
          }
          if (known.tag.has(x.id)) return fail(line, 'id', `tag ${x.id} appears twice in the file`);
          known.tag.add(x.id);
          tagSlugs.set(x.slug, x.id);
          queue('tags', [x.id, x.slug, x.name, x.createdAt]);
          counts.tag.inserted++;
        }

        async function onImage(line: number, im: ImageData) {
          const stored = existing.image.get(im.id);
          const fx = im.focalPoint?.x ?? null;
          const fy = im.focalPoint?.y ?? null;
          if (stored) {
            if (stored.sha256 !== im.sha256) return fail(line, 'sha256', `differs from the stored image ${im.id}: an image's file never changes`);
            if (stored.filename === im.filename && stored.alt === im.alt && stored.caption === im.caption && stored.credit === im.credit && stored.focalX === fx && stored.focalY === fy && stored.createdAt === im.createdAt && stored.updatedAt === im.updatedAt) {
              counts.image.unchanged++;
              return;
            }
            counts.image.updated++;
            keys.add(`image:${im.id}`);
            return void later(() => db.q.update(t.images).set({ filename: im.filename, alt: im.alt, caption: im.caption, credit: im.credit, focalX: fx, focalY: fy, createdAt: im.createdAt, updatedAt: im.updatedAt }).where(eq(t.images.id, im.id)));
          }
          if (known.image.has(im.id)) return fail(line, 'id', `image ${im.id} appears twice in the file`);
          known.image.add(im.id);
          const source = path.join(opts.dir, mediaPathOf(im.sha256));
          const digest = await sha256Of(source);
          if (digest === null) return fail(line, 'sha256', `${mediaPathOf(im.sha256)} is missing from the export's media folder`);
          if (digest !== im.sha256) return fail(line, 'sha256', `${mediaPathOf(im.sha256)} does not hold these bytes (its sha256 is ${digest})`);
          if (problems.length === 0) {
            const target = originalPath(layout, im.sha256);
            if (!fs.existsSync(target)) {
              fs.mkdirSync(path.dirname(target), { recursive: true });
              fs.copyFileSync(source, `${target}.import.tmp`);
              fs.renameSync(`${target}.import.tmp`, target);
              copiedFiles.push(target);
            }
          }
          queue('images', [im.id, im.sha256, im.filename, im.mimeType, im.bytes, im.width, im.height, im.alt, im.caption, im.credit, fx, fy, im.createdAt, im.updatedAt]);
          counts.image.inserted++;
        }

        async function onWebhook(line: number, w: WebhookData) {
          if (existing.webhook.has(w.id)) {
            const [stored] = await db.q.select().from(t.webhooks).where(eq(t.webhooks.id, w.id));
            const events = JSON.stringify(w.events);
            if (stored && stored.url === w.url && stored.events === events && stored.description === w.description && stored.status === w.status) {
              counts.webhook.unchanged++;
              return;
            }
            counts.webhook.updated++;
            return void later(() => db.q.update(t.webhooks).set({ url: w.url, events, description: w.description, status: w.status, updatedAt: w.updatedAt }).where(eq(t.webhooks.id, w.id)));
          }
          existing.webhook.add(w.id);
          void line;
          const secret = newSecret();
          webhookSecrets.push({ id: w.id, url: w.url, secret });
          queue('webhooks', [w.id, w.url, JSON.stringify(w.events), w.description, w.status, secret, w.createdAt, w.updatedAt]);
          counts.webhook.inserted++;
        }

        function onArticle(line: number, a: ArticleData) {
          if (fileArticles.has(a.id)) return fail(line, 'id', `article ${a.id} appears twice in the file`);
          if (fileSlugs.has(a.slug)) return fail(line, 'slug', `another article of the file has the slug ${a.slug}`);
          let ok = true;
          const bad = (field: string, problem: string) => {
            ok = false;
            fail(line, field, problem);
          };
          for (const [i, id] of [a.sectionId, ...a.secondarySectionIds].entries()) {
            if (!sectionInfo.has(id)) bad(i === 0 ? 'sectionId' : `secondarySectionIds.${i - 1}`, `no section ${id} in this file or the database`);
          }
          a.authorIds.forEach((id, i) => known.author.has(id) || bad(`authorIds.${i}`, `no author ${id} in this file or the database`));
          a.tagIds.forEach((id, i) => known.tag.has(id) || bad(`tagIds.${i}`, `no tag ${id} in this file or the database`));
          for (const id of imageUses(a)) if (!known.image.has(id)) bad(a.leadImage?.imageId === id ? 'leadImage.imageId' : 'body', `no image ${id} in this file or the database`);
          fileArticles.add(a.id);
          fileSlugs.add(a.slug);
          if (a.translationGroup) {
            const members = groups.get(a.translationGroup) ?? groups.set(a.translationGroup, new Map()).get(a.translationGroup)!;
            const clash = members.get(a.language);
            if (clash) bad('language', `another article of its translation group in this file (${clash.id}, line ${clash.line}) has this language`);
            else members.set(a.language, { id: a.id, line });
          }
          if (ok) pending.push({ line, data: a, revisions: [] });
        }

        async function onRevision(line: number, r: RevisionData) {
          const owner = pending.find((p) => p.data.id === r.articleId);
          if (owner) {
            if (owner.revisions.some((x) => x.data.revision === r.revision)) return fail(line, 'revision', `revision ${r.revision} of article ${r.articleId} appears twice`);
            owner.revisions.push({ line, data: r });
            return;
          }
          // Not right after its article: one already written, or one only the database holds.
          if (!fileArticles.has(r.articleId) && !(dbHasArticles && (await repo.existingArticleIds([r.articleId])).has(r.articleId))) {
            return fail(line, 'articleId', `no article ${r.articleId} in this file or the database`);
          }
          if (problems.length > 0) return;
          if ((await repo.revisionNumbers([r.articleId])).get(r.articleId)?.has(r.revision)) {
            counts.revision.unchanged++;
            return;
          }
          await writer.rows('article_revisions', [revisionRow(r)]);
          counts.revision.inserted++;
        }

        /** Updates of stored rows run once the file has been read without a problem. */
        function later(update: () => Promise<unknown>) {
          deferredUpdates.push(update);
        }
      },
      { bulk: true },
    );
  } catch (error) {
    begun?.abandon();
    progress?.stop();
    for (const f of copiedFiles) fs.rmSync(f, { force: true });
    if (error instanceof ImportRejectedError || error instanceof ImportAbortedError) throw error;
    if (problems.length > 0) throw new ImportRejectedError(problems, rejectedSummary());
    throw error;
  }
  const seconds = Number(secondsSince(started));
  const report: ImportReport = { counts, webhookSecrets, seconds };
  const c = (k: Kind) => `${counts[k].inserted + counts[k].updated} ${k}s`;
  const unchanged = KINDS.reduce((n, k) => n + counts[k].unchanged, 0);
  const summary = `import: ${KINDS.map(c).join(', ')} imported (${counts.article.inserted} articles new, ${counts.article.updated} replaced), ${unchanged} lines unchanged, from ${opts.dir} in ${seconds.toFixed(1)} s`;
  if (progress) progress.done(summary);
  else process.stderr.write(`${summary}\n`);
  return report;

  function rejectedSummary() {
    const more = badLines > problems.length ? ` (the first ${problems.length} shown)` : '';
    return `import: ${badLines} bad line${badLines === 1 ? '' : 's'}${more}; nothing was imported`;
  }
}

/** The sha256 of a file, or null when it does not exist. */
async function sha256Of(file: string): Promise<string | null> {
  const hash = crypto.createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw error;
  }
  return hash.digest('hex');
}
