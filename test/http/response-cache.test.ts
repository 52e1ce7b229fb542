// The public response cache is never stale: not after a write over HTTP, not after a write by
// another code path or another process, not when a scheduled article's time comes; and it
// never serves anything to a request with a token.
import t from 'tap';
import { createServices } from '../../src/app.ts';
import { closeDatabase, openDatabase } from '../../src/db/database.ts';
import { addArticle, build, ENGINE, SEED_SLUG } from '../helper.ts';

const url = `/v1/articles/slug/${SEED_SLUG}`;

t.test('a repeated public GET is served from the cache', async (t) => {
  const b = await build(t);
  const first = await b.app.inject({ url });
  const second = await b.app.inject({ url });
  t.equal(first.statusCode, 200);
  t.equal(first.headers['x-cache'], undefined, 'the first is made');
  t.equal(second.headers['x-cache'], 'hit', 'the second comes from the cache');
  t.equal(second.body, first.body);
  t.equal(second.headers.etag, first.headers.etag);
  t.equal(second.headers['cache-control'], 'public, max-age=60');
  const revalidated = await b.app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } });
  t.equal(revalidated.statusCode, 304, 'a cached entry still answers If-None-Match with 304');
  t.equal(revalidated.body, '');
});

t.test('never stale after a write over HTTP (PATCH, unpublish)', async (t) => {
  const b = await build(t);
  const editor = { ...b.auth('editor'), 'content-type': 'application/json' };
  const before = (await b.app.inject({ url })).json();
  await b.app.inject({ url }); // cached now
  const patched = await b.app.inject({ method: 'PATCH', url: `/v1/articles/${before.id}`, headers: editor, payload: { headline: 'A new headline' } });
  t.equal(patched.statusCode, 200);
  const after = await b.app.inject({ url });
  t.equal(after.json().headline, 'A new headline', 'the public sees the change at once');
  const list = await b.app.inject({ url: '/v1/articles' });
  t.equal(list.json().data[0].headline, 'A new headline');

  await b.app.inject({ url: '/v1/articles' });
  const unpublished = await b.app.inject({ method: 'POST', url: `/v1/articles/${before.id}/unpublish`, headers: b.auth('editor') });
  t.equal(unpublished.statusCode, 200);
  t.equal((await b.app.inject({ url })).statusCode, 404, 'an unpublished article is gone for the public at once');
  t.same((await b.app.inject({ url: '/v1/articles' })).json().data, [], 'and gone from the cached list');
});

t.test('never stale after a write by another code path or another process', async (t) => {
  const b = await build(t);
  const listed = () => b.app.inject({ url: '/v1/articles' }).then((r) => r.json().data.map((a: { slug: string }) => a.slug));
  t.equal((await listed()).length, 1);
  await listed();
  const added = await addArticle(b, { headline: 'Inserted by the service' });
  t.ok((await listed()).includes(added.slug), 'a write through the service layer is seen');

  // Another process: its own connection(s) to the same database and its own services, so its
  // commit reaches this app's cache only through the change feed (the `changes` rows it
  // writes with the transaction; NOTIFY on PostgreSQL), not through this process's listeners.
  const other = await openDatabase(b.config.CMS_DB, { pool: 2 });
  t.teardown(() => closeDatabase(other));
  const elsewhere = createServices({ config: b.config, db: other, now: b.clock.now });
  const seed = (await b.app.inject({ url })).json(); // cache the seed article
  await listed(); // and the list
  t.equal((await b.app.inject({ url })).headers['x-cache'], 'hit', 'the seed article is cached');
  const principal = { tokenId: 'other-process', name: 'other-process', role: 'editor' as const };
  await elsewhere.editors.articles.patch(seed.id, { headline: 'Changed by another process' }, principal);
  const started = Date.now();
  let seen = (await b.app.inject({ url })).json().headline;
  if (ENGINE === 'sqlite') {
    // SQLite: the change log is read before each cache lookup, so the very next read is fresh.
    t.equal(seen, 'Changed by another process', 'a commit by another connection is seen on the next read');
  } else {
    // PostgreSQL: the change arrives by NOTIFY (with a poll as a backstop): seen within 1 s.
    while (seen !== 'Changed by another process' && Date.now() - started < 2_000) {
      await new Promise((r) => setTimeout(r, 25));
      seen = (await b.app.inject({ url })).json().headline;
    }
    const after = Date.now() - started;
    t.equal(seen, 'Changed by another process', 'a commit by another connection is seen');
    t.ok(after <= 1_000, `within 1 s (${after} ms)`);
  }
  t.equal((await listed()).length, 2, 'the list is still right');
  const list = await b.app.inject({ url: '/v1/articles' });
  t.ok(list.json().data.some((a: { headline: string }) => a.headline === 'Changed by another process'), 'the cached list shows the other process’s change too');
});

t.test('a scheduled article appears when its time comes, though the list was cached', async (t) => {
  const b = await build(t);
  const at = b.clock.now();
  const scheduled = await addArticle(b, { status: 'scheduled', publishedAt: at + 60_000, headline: 'Scheduled' });
  const before = await b.app.inject({ url: '/v1/articles' });
  await b.app.inject({ url: '/v1/articles' });
  t.notOk(before.json().data.some((a: { id: string }) => a.id === scheduled.id), 'not public before its time');
  b.clock.advance(61_000);
  const after = await b.app.inject({ url: '/v1/articles' });
  t.ok(after.json().data.some((a: { id: string }) => a.id === scheduled.id), 'public once due, with no write');
  t.equal((await b.app.inject({ url: `/v1/articles/${scheduled.id}` })).json().status, 'published');
});

t.test('requests with a token never touch the cache', async (t) => {
  const b = await build(t);
  await addArticle(b, { status: 'draft', sectionPath: 'sports' });
  await b.app.inject({ url: '/v1/articles' });
  const cachedPublic = await b.app.inject({ url: '/v1/articles' });
  t.equal(cachedPublic.headers['x-cache'], 'hit');
  const withToken = await b.app.inject({ url: '/v1/articles', headers: b.auth('writer') });
  t.equal(withToken.headers['x-cache'], undefined);
  t.equal(withToken.headers['cache-control'], 'private, no-store');
  t.equal(withToken.json().data.length, 2, 'the token sees the draft too');
  t.equal(cachedPublic.json().data.length, 1);
});

t.test('over a real socket, hits are answered before routing and are never stale', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const first = await fetch(base + url);
  const firstBody = await first.text();
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-cache'), null);
  const second = await fetch(base + url);
  t.equal(second.headers.get('x-cache'), 'hit');
  t.equal(await second.text(), firstBody, 'the same bytes');
  for (const name of ['content-type', 'etag', 'cache-control', 'vary']) t.equal(second.headers.get(name), first.headers.get(name), name);
  t.equal(second.headers.get('content-length'), String(Buffer.byteLength(firstBody)));

  const revalidated = await fetch(base + url, { headers: { 'if-none-match': first.headers.get('etag')! } });
  t.equal(revalidated.status, 304);
  t.equal(await revalidated.text(), '');
  const head = await fetch(base + url, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(await head.text(), '');

  const withToken = await fetch(base + url, { headers: b.auth('editor') });
  t.equal(withToken.headers.get('x-cache'), null, 'a token is never answered from the cache');
  t.equal(withToken.headers.get('cache-control'), 'private, no-store');

  const article = JSON.parse(firstBody) as { id: string };
  const patched = await fetch(`${base}/v1/articles/${article.id}`, {
    method: 'PATCH',
    headers: { ...b.auth('editor'), 'content-type': 'application/json' },
    body: JSON.stringify({ headline: 'Changed over the socket' }),
  });
  t.equal(patched.status, 200);
  const after = await fetch(base + url);
  t.equal(after.headers.get('x-cache'), null, 'the write made the entry invalid');
  t.equal(((await after.json()) as { headline: string }).headline, 'Changed over the socket');
  const unpublished = await fetch(`${base}/v1/articles/${article.id}/unpublish`, { method: 'POST', headers: b.auth('editor') });
  t.equal(unpublished.status, 200);
  t.equal((await fetch(base + url)).status, 404, 'gone for the public at once');
});

t.test('the cache holds at most CMS_RESPONSE_CACHE_ENTRIES responses (least recently used go first)', async (t) => {
  const b = await build(t, { config: { CMS_RESPONSE_CACHE_ENTRIES: 2 } });
  const a = await addArticle(b);
  const c = await addArticle(b);
  const urls = [`/v1/articles/slug/${SEED_SLUG}`, `/v1/articles/${a.id}`, `/v1/articles/${c.id}`];
  for (const url of urls) t.equal((await b.app.inject({ url })).statusCode, 200);
  t.equal((await b.app.inject({ url: urls[2]! })).headers['x-cache'], 'hit', 'the newest is held');
  t.equal((await b.app.inject({ url: urls[1]! })).headers['x-cache'], 'hit', 'and the one before');
  t.equal((await b.app.inject({ url: urls[0]! })).headers['x-cache'], undefined, 'the third one back was let go');
});
