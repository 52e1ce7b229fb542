// Events in the outbox (issue 14): each change of what the public sees stores one event in
// webhook_events, in the change's transaction, with the article as the public saw / sees it;
// draft edits store nothing; section and author changes; scheduled articles announced by the
// scheduler at their time (not before, once, even with two instances on one database).
import { asc, gt } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { buildApp } from '../../../src/app.ts';
import { closeDatabase, openDatabase } from '../../../src/db/database.ts';
import { schedulerOf } from '../../../src/modules/events/scheduler.ts';
import { build, ENGINE, seedIds, type Built } from '../../helper.ts';
import { send } from '../../requests.ts';

const HOUR = 3_600_000;

interface StoredEvent {
  id: string;
  type: string;
  articleId: string | null;
  dedupeKey: string | null;
  body: { id: string; type: string; occurredAt: string; data: any };
}

/** Events stored after `since` (a seq), oldest first. */
async function eventsSince(b: Built, since: number): Promise<StoredEvent[]> {
  const { webhookEvents: e } = b.db.tables;
  const rows = await b.db.q.select().from(e).where(gt(e.seq, since)).orderBy(asc(e.seq));
  return rows.map((r) => ({ id: r.id, type: r.type, articleId: r.articleId, dedupeKey: r.dedupeKey, body: JSON.parse(r.body) }));
}

async function lastSeq(b: Built): Promise<number> {
  const { webhookEvents: e } = b.db.tables;
  const rows = await b.db.q.select({ seq: e.seq }).from(e).orderBy(asc(e.seq));
  return rows.at(-1)?.seq ?? 0;
}

async function draft(t: Test, b: Built, headline: string, sectionPath = 'national/politics'): Promise<any> {
  const res = await send(b, 'POST', '/v1/articles', {
    body: { headline, sectionId: (await seedIds(b.services)).sections.get(sectionPath), body: [{ type: 'paragraph', text: `${headline}.` }] },
  });
  t.equal(res.statusCode, 201, `draft “${headline}” created`);
  return res.json();
}

async function ok(t: Test, b: Built, method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<any> {
  const res = await send(b, method, url, body === undefined ? {} : { body });
  t.ok(res.statusCode === 200 || res.statusCode === 201 || res.statusCode === 204, `${method} ${url}: ${res.statusCode} ${res.statusCode >= 300 ? res.body : ''}`);
  return res.statusCode === 204 ? null : res.json();
}

/** The article as the public reads it (GET without a token). */
async function publicArticle(b: Built, id: string): Promise<any> {
  const res = await send(b, 'GET', `/v1/articles/${id}`, { role: null });
  return res.statusCode === 200 ? res.json() : null;
}

function expectedKeys(a: any): string[] {
  return [...new Set([
    `article-${a.id}`,
    'articles',
    ...[a.section, ...a.breadcrumbs, ...a.secondarySections].map((s: any) => `section-${s.id}`),
    ...a.authors.map((x: any) => `author-${x.id}`),
    ...a.tags.map((x: any) => `tag-${x.slug}`),
  ])];
}

t.test('each article change the public sees stores one event with the public article; draft edits store none', async (t) => {
  const b = await build(t);
  let since = await lastSeq(b);

  // Drafts: created, edited, deleted: nothing public, nothing stored.
  const d = await draft(t, b, 'Only a draft');
  await ok(t, b, 'PATCH', `/v1/articles/${d.id}`, { headline: 'Still a draft' });
  await ok(t, b, 'DELETE', `/v1/articles/${d.id}`);
  t.strictSame(await eventsSince(b, since), [], 'a draft created, edited and deleted stores no event');

  const a = await draft(t, b, 'Goes public', 'national/politics');
  await ok(t, b, 'PATCH', `/v1/articles/${a.id}`, { headline: 'Goes public soon' });
  t.strictSame(await eventsSince(b, since), [], 'draft edits store nothing');

  // Published: the event names the article as the public now sees it.
  const published = await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`);
  let events = await eventsSince(b, since);
  t.equal(events.length, 1, 'publishing stores one event');
  const pub = await publicArticle(b, a.id);
  t.equal(events[0]!.type, 'article.published');
  t.equal(events[0]!.articleId, a.id);
  t.equal(events[0]!.body.type, 'article.published');
  t.equal(events[0]!.body.id, events[0]!.id, 'the body carries the event id');
  t.same(events[0]!.body.data, { id: a.id, slug: pub.slug, url: pub.url, version: published.version, surrogateKeys: expectedKeys(pub) }, 'data: the public article');
  t.same(new Set(events[0]!.body.data.surrogateKeys), new Set(expectedKeys(pub)), 'the keys of what it shows');
  since = await lastSeq(b);

  // An edit moving it to another section: updated, with the keys before and after.
  const sections = (await seedIds(b.services)).sections;
  const before = pub;
  const edited = await ok(t, b, 'PATCH', `/v1/articles/${a.id}`, { headline: 'Goes public, edited', sectionId: sections.get('national/north-korea') });
  const after = await publicArticle(b, a.id);
  events = await eventsSince(b, since);
  t.strictSame(events.map((e) => e.type), ['article.updated'], 'an edit of a public article: updated');
  t.equal(events[0]!.body.data.version, edited.version);
  t.equal(events[0]!.body.data.version, after.version, 'at the version the public reads');
  t.same(new Set(events[0]!.body.data.surrogateKeys), new Set([...expectedKeys(before), ...expectedKeys(after)]), 'keys of the article before and after');
  t.ok(events[0]!.body.data.surrogateKeys.includes(`section-${sections.get('national/politics')}`), 'the section it left');
  since = await lastSeq(b);

  // A correction changes what the public sees.
  await ok(t, b, 'POST', `/v1/articles/${a.id}/corrections`, { text: 'An earlier version misspelled a name.' });
  events = await eventsSince(b, since);
  t.strictSame(events.map((e) => e.type), ['article.updated'], 'a correction: updated');
  t.equal(events[0]!.body.data.version, (await publicArticle(b, a.id)).version);
  since = await lastSeq(b);

  // Unpublished, published again, archived, published again, deleted.
  await ok(t, b, 'POST', `/v1/articles/${a.id}/unpublish`);
  await ok(t, b, 'PATCH', `/v1/articles/${a.id}`, { headline: 'Edited while a draft' });
  await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`);
  await ok(t, b, 'POST', `/v1/articles/${a.id}/archive`);
  await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`);
  const last = await publicArticle(b, a.id);
  await ok(t, b, 'DELETE', `/v1/articles/${a.id}`);
  events = await eventsSince(b, since);
  t.strictSame(
    events.map((e) => e.type),
    ['article.unpublished', 'article.published', 'article.unpublished', 'article.published', 'article.deleted'],
    'unpublish, (draft edit: nothing), publish, archive, publish, delete',
  );
  t.ok(events.every((e) => e.articleId === a.id && e.body.data.id === a.id), 'all about the article');
  t.same(events[4]!.body.data, { id: a.id, slug: last.slug, url: last.url, version: last.version, surrogateKeys: expectedKeys(last) }, 'deleted: the article as the public last saw it');
  t.equal(new Set(events.map((e) => e.id)).size, events.length, 'each event its own id');
});

t.test('a publication rolled back stores no event (the event is in the change’s transaction)', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Stale publish');
  const since = await lastSeq(b);
  const res = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { headers: { 'if-match': '"stale"' } });
  t.equal(res.statusCode, 412, 'a stale If-Match fails');
  t.strictSame(await eventsSince(b, since), [], 'and stores nothing');
});

t.test('section.updated and author.updated', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  const since = await lastSeq(b);
  const sectionId = ids.sections.get('national')!;
  const childId = ids.sections.get('national/politics')!;
  await ok(t, b, 'PATCH', `/v1/sections/${sectionId}`, { name: 'Nation' });
  const authorId = ids.author('lim-jeong-won');
  await ok(t, b, 'PATCH', `/v1/authors/${authorId}`, { title: 'Senior reporter' });
  const events = await eventsSince(b, since);
  t.strictSame(events.map((e) => e.type), ['section.updated', 'author.updated']);
  t.equal(events[0]!.articleId, null);
  t.equal(events[0]!.body.data.id, sectionId);
  t.equal(events[0]!.body.data.slug, 'national');
  t.ok(events[0]!.body.data.surrogateKeys.includes(`section-${sectionId}`));
  t.same(events[1]!.body.data, { id: authorId, slug: 'lim-jeong-won', surrogateKeys: [`author-${authorId}`] });

  // A move renames the paths of the subtree: its sections' keys go with the event.
  const s2 = await lastSeq(b);
  await ok(t, b, 'PATCH', `/v1/sections/${sectionId}`, { slug: 'nation' });
  const moved = await eventsSince(b, s2);
  t.equal(moved.length, 1);
  t.ok(moved[0]!.body.data.surrogateKeys.includes(`section-${childId}`), 'a descendant’s key is named');
});

t.test('the scheduler announces a scheduled article at its time, not before, once', async (t) => {
  const b = await build(t);
  const scheduler = schedulerOf(b.db)!;
  t.ok(scheduler, 'the app runs a scheduler');
  const a = await draft(t, b, 'Scheduled');
  const at = b.clock.now() + HOUR;
  const since = await lastSeq(b);
  await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`, { publishAt: new Date(at).toISOString() });
  t.strictSame(await eventsSince(b, since), [], 'scheduling stores nothing');

  b.clock.set(at - 1);
  await scheduler.tick();
  t.strictSame(await eventsSince(b, since), [], 'nothing a millisecond before its time');
  t.equal(await publicArticle(b, a.id), null, 'not public yet');

  b.clock.set(at);
  await scheduler.tick();
  const events = await eventsSince(b, since);
  const pub = await publicArticle(b, a.id);
  t.strictSame(events.map((e) => e.type), ['article.published'], 'published at its time');
  t.same(events[0]!.body.data, { id: a.id, slug: pub.slug, url: pub.url, version: pub.version, surrogateKeys: expectedKeys(pub) });
  t.equal(events[0]!.dedupeKey, `published:${a.id}:${pub.version}:${at}`);
  t.equal(events[0]!.body.occurredAt, new Date(at).toISOString());

  b.clock.advance(5000);
  await scheduler.tick();
  await scheduler.tick();
  t.equal((await eventsSince(b, since)).length, 1, 'later passes store nothing more');

  // Once announced, an edit is an update (not a second publication).
  await ok(t, b, 'PATCH', `/v1/articles/${a.id}`, { headline: 'Scheduled, edited' });
  await scheduler.tick();
  t.strictSame((await eventsSince(b, since)).map((e) => e.type), ['article.published', 'article.updated']);
});

t.test('an edit of a due scheduled article before the scheduler noticed it announces the publication', async (t) => {
  const b = await build(t);
  const scheduler = schedulerOf(b.db)!;
  const a = await draft(t, b, 'Due, then edited');
  const at = b.clock.now() + HOUR;
  await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`, { publishAt: new Date(at).toISOString() });
  const since = await lastSeq(b);
  b.clock.set(at + 1000);
  await ok(t, b, 'PATCH', `/v1/articles/${a.id}`, { headline: 'Due, edited' });
  await scheduler.tick();
  t.strictSame((await eventsSince(b, since)).map((e) => e.type), ['article.published'], 'one publication, no update, nothing from the scheduler');
});

t.test('the scheduler’s timer notices a due article with no request (within 10 s)', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Timer');
  const at = b.clock.now() + HOUR;
  await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`, { publishAt: new Date(at).toISOString() });
  const since = await lastSeq(b);
  b.clock.set(at + 10);
  const started = Date.now();
  let events: StoredEvent[] = [];
  while (Date.now() - started < 10_000 && events.length === 0) {
    await new Promise((r) => setTimeout(r, 100));
    events = await eventsSince(b, since);
  }
  t.strictSame(events.map((e) => e.type), ['article.published'], `announced by the timer after ${Date.now() - started} ms`);
  t.ok(Date.now() - started < 10_000, 'within 10 s (passes run every second)');
});

// Several instances share a database on PostgreSQL only: two SQLite handles in one process would
// block each other's writes (better-sqlite3 waits synchronously on the file lock).
t.test('two instances on one database store a scheduled publication once', { skip: ENGINE === 'sqlite' ? 'several instances run on PostgreSQL (its twin runs this)' : false }, async (t) => {
  const b = await build(t);
  const db2 = await openDatabase(b.config.CMS_DB, { pool: 4 });
  const app2 = await buildApp({ config: b.config, db: db2, now: b.clock.now, logger: false });
  t.teardown(async () => {
    await app2.close();
    await closeDatabase(db2);
  });
  await app2.ready();
  const s1 = schedulerOf(b.db)!;
  const s2 = schedulerOf(db2)!;
  t.not(s1, s2, 'two schedulers');
  const at = b.clock.now() + HOUR;
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const a = await draft(t, b, `Scheduled ${i}`);
    await ok(t, b, 'POST', `/v1/articles/${a.id}/publish`, { publishAt: new Date(at + i).toISOString() });
    ids.push(a.id);
  }
  const since = await lastSeq(b);
  b.clock.set(at + 10);
  const counts = await Promise.all([s1.tick(), s2.tick(), s1.tick(), s2.tick()]);
  const events = await eventsSince(b, since);
  t.equal(events.length, 6, 'six events stored');
  t.same(new Set(events.map((e) => e.articleId)), new Set(ids), 'one per article');
  t.ok(events.every((e) => e.type === 'article.published'));
  t.equal(counts.reduce((x, y) => x + y, 0), 6, `each announced by exactly one pass (${counts.join(', ')})`);
});
