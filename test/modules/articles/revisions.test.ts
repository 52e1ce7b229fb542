// Revisions: one at creation and one per change (PATCH, publish, unpublish, archive), each with
// who (the token's name) and when; listed newest first by cursor; one revision holds the
// article as it was; restoring makes old content current as a new revision.
import t, { type Test } from 'tap';
import { build, seedIds, type Built } from '../../helper.ts';
import { send, problem, type Res } from '../../requests.ts';

const MINUTE = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** The article's content: everything but status, version and the timestamps. */
function content(article: Record<string, unknown>) {
  const { status: _s, version: _v, updatedAt: _u, publishedAt: _p, firstPublishedAt: _f, ...rest } = article;
  return rest;
}

/**
 * An article with six revisions: created by the writer (1), edited by the writer (2),
 * published (3), edited (4), unpublished (5) and archived (6) by the editor, a minute apart.
 */
async function history(t: Test, b: Built) {
  const ids = await seedIds(b.services);
  const times: number[] = [];
  const step = async (res: Promise<Res>, status: number, what: string) => {
    const r = await res;
    t.equal(r.statusCode, status, what);
    times.push(b.clock.now());
    b.clock.advance(MINUTE);
    return r.json();
  };
  const created = await step(
    send(b, 'POST', '/v1/articles', {
      role: 'writer',
      body: {
        headline: 'The original headline',
        sectionId: ids.sections.get('national/defense'),
        authorIds: [ids.author('park-hyun-joo')],
        body: [{ type: 'paragraph', text: 'The original first paragraph.' }],
        tags: ['Original Tag'],
      },
    }),
    201,
    'created by the writer',
  );
  const id = created.id as string;
  await step(send(b, 'PATCH', `/v1/articles/${id}`, { role: 'writer', body: { headline: 'A second headline' } }), 200, 'edited by the writer');
  await step(send(b, 'POST', `/v1/articles/${id}/publish`), 200, 'published by the editor');
  await step(
    send(b, 'PATCH', `/v1/articles/${id}`, {
      body: {
        headline: 'The current headline',
        body: [{ type: 'paragraph', text: 'Rewritten.' }, { type: 'quote', text: 'A quote.', attribution: 'Someone' }],
        authorIds: [ids.author('lim-jeong-won'), ids.author('park-hyun-joo')],
        tags: ['Other Tag'],
        slug: 'the-current-slug',
      },
    }),
    200,
    'edited by the editor',
  );
  await step(send(b, 'POST', `/v1/articles/${id}/unpublish`), 200, 'unpublished');
  await step(send(b, 'POST', `/v1/articles/${id}/archive`), 200, 'archived');
  return { id, created, times };
}

t.test('revision 1 at creation; one per change; newest first with who and when', async (t) => {
  const b = await build(t);
  const { id, created, times } = await history(t, b);
  t.equal(created.version, 1);

  const list = await send(b, 'GET', `/v1/articles/${id}/revisions`);
  t.equal(list.statusCode, 200);
  t.equal(list.headers['cache-control'], 'private, no-store');
  t.strictSame(list.json(), {
    data: [
      { revision: 6, createdAt: iso(times[5]!), createdBy: 'test-editor' },
      { revision: 5, createdAt: iso(times[4]!), createdBy: 'test-editor' },
      { revision: 4, createdAt: iso(times[3]!), createdBy: 'test-editor' },
      { revision: 3, createdAt: iso(times[2]!), createdBy: 'test-editor' },
      { revision: 2, createdAt: iso(times[1]!), createdBy: 'test-writer' },
      { revision: 1, createdAt: iso(times[0]!), createdBy: 'test-writer' },
    ],
    page: { limit: 20, nextCursor: null },
  });
  t.equal(list.headers.link, undefined, 'no Link header on the last page');
  const current = (await send(b, 'GET', `/v1/articles/${id}`)).json();
  t.equal(current.version, 6, 'the version matches the newest revision');

  // A PATCH that changes nothing stores nothing.
  t.equal((await send(b, 'PATCH', `/v1/articles/${id}`, { body: { headline: 'The current headline' } })).json().version, 6);
  t.equal((await send(b, 'GET', `/v1/articles/${id}/revisions`)).json().data.length, 6, 'no revision for a no-op');
});

t.test('the revision list is paginated by cursor', async (t) => {
  const b = await build(t);
  const { id } = await history(t, b);
  const seen: number[] = [];
  let url = `/v1/articles/${id}/revisions?limit=4`;
  const first = await send(b, 'GET', url);
  t.equal(first.statusCode, 200);
  t.strictSame(first.json().data.map((r: { revision: number }) => r.revision), [6, 5, 4, 3]);
  t.equal(first.json().page.limit, 4);
  const cursor = first.json().page.nextCursor as string;
  t.type(cursor, 'string', 'a next cursor');
  t.match(first.headers.link as string, new RegExp(`^<http://[^>]+/v1/articles/${id}/revisions\\?limit=4&cursor=${cursor}>; rel="next"$`));
  seen.push(...first.json().data.map((r: { revision: number }) => r.revision));

  url = `/v1/articles/${id}/revisions?limit=4&cursor=${cursor}`;
  const second = await send(b, 'GET', url);
  t.strictSame(second.json().data.map((r: { revision: number }) => r.revision), [2, 1]);
  t.equal(second.json().page.nextCursor, null);
  t.equal(second.headers.link, undefined);
  seen.push(...second.json().data.map((r: { revision: number }) => r.revision));
  t.strictSame(seen, [6, 5, 4, 3, 2, 1], 'every revision exactly once');

  const exact = await send(b, 'GET', `/v1/articles/${id}/revisions?limit=3`);
  const rest = await send(b, 'GET', `/v1/articles/${id}/revisions?limit=3&cursor=${exact.json().page.nextCursor as string}`);
  t.strictSame(rest.json().data.map((r: { revision: number }) => r.revision), [3, 2, 1]);
  t.equal(rest.json().page.nextCursor, null, 'no next cursor when the last page is exactly full');

  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions?cursor=garbage`), 400, 'bad cursor');
  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions?limit=0`), 400, 'limit 0');
  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions?limit=101`), 400, 'limit 101');
  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions?foo=1`), 400, 'unknown query parameter');
});

t.test('one revision holds the article as it was', async (t) => {
  const b = await build(t);
  const { id, created, times } = await history(t, b);
  const one = await send(b, 'GET', `/v1/articles/${id}/revisions/1`);
  t.equal(one.statusCode, 200);
  const r1 = one.json();
  t.equal(r1.revision, 1);
  t.equal(r1.createdAt, iso(times[0]!));
  t.equal(r1.createdBy, 'test-writer');
  t.strictSame(r1.article, created, 'revision 1 is the article exactly as created');
  t.equal(r1.article.headline, 'The original headline', 'the old headline');

  const three = (await send(b, 'GET', `/v1/articles/${id}/revisions/3`)).json();
  t.equal(three.article.headline, 'A second headline');
  t.equal(three.article.status, 'published');
  t.equal(three.article.version, 3);
  t.equal(three.article.publishedAt, iso(times[2]!));

  const six = (await send(b, 'GET', `/v1/articles/${id}/revisions/6`)).json();
  t.strictSame(six.article, (await send(b, 'GET', `/v1/articles/${id}`)).json(), 'the newest revision is the current article');

  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions/7`), 404, 'unknown revision');
  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions/999999`), 404, 'unknown revision (large)');
  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions/0`), 400, 'revision 0');
  problem(t, await send(b, 'GET', `/v1/articles/${id}/revisions/abc`), 400, 'revision abc');
  problem(t, await send(b, 'GET', '/v1/articles/0190b0b0-0000-7000-8000-000000000000/revisions/1'), 404, 'unknown article');
  problem(t, await send(b, 'GET', '/v1/articles/0190b0b0-0000-7000-8000-000000000000/revisions'), 404, 'unknown article list');
});

t.test('restore: old content as a new revision, status unchanged, version bumped', async (t) => {
  const b = await build(t);
  const { id, created } = await history(t, b);
  const before = (await send(b, 'GET', `/v1/articles/${id}`)).json();
  t.equal(before.status, 'archived');
  const at = b.clock.now();

  const res = await send(b, 'POST', `/v1/articles/${id}/revisions/1/restore`);
  t.equal(res.statusCode, 200);
  const restored = res.json();
  t.equal(restored.headline, 'The original headline');
  t.strictSame(restored.body, [{ type: 'paragraph', text: 'The original first paragraph.' }]);
  t.strictSame(restored.authors.map((a: { slug: string }) => a.slug), ['park-hyun-joo']);
  t.strictSame(restored.tags, [{ slug: 'original-tag', name: 'Original Tag' }]);
  t.equal(restored.slug, created.slug, 'the old slug comes back (it is free)');
  t.equal(restored.status, 'archived', 'the status stays as it is');
  t.equal(restored.publishedAt, before.publishedAt);
  t.equal(restored.firstPublishedAt, before.firstPublishedAt, 'firstPublishedAt stays');
  t.equal(restored.version, 7, 'version bumped');
  t.equal(restored.updatedAt, iso(at));
  t.equal(restored.createdAt, created.createdAt);
  t.strictSame(content(restored), content(created), 'content equals revision 1’s');

  const list = (await send(b, 'GET', `/v1/articles/${id}/revisions?limit=2`)).json();
  t.strictSame(list.data[0], { revision: 7, createdAt: iso(at), createdBy: 'test-editor' }, 'a new revision');
  const seven = (await send(b, 'GET', `/v1/articles/${id}/revisions/7`)).json();
  t.strictSame(seven.article, restored, 'revision 7 is the restored article');
  t.strictSame(content(seven.article), content((await send(b, 'GET', `/v1/articles/${id}/revisions/1`)).json().article));
  t.strictSame((await send(b, 'GET', `/v1/articles/${id}`)).json(), restored, 'GET shows the restored article');
  problem(t, await send(b, 'GET', '/v1/articles/slug/the-current-slug'), 404, 'the newer slug is gone');

  // Restoring the current content changes nothing.
  const again = await send(b, 'POST', `/v1/articles/${id}/revisions/7/restore`);
  t.equal(again.statusCode, 200);
  t.equal(again.json().version, 7, 'restoring the current revision is a no-op');

  // A published article stays published when older content is restored.
  const back = await send(b, 'POST', `/v1/articles/${id}/revisions/4/restore`, { body: {} });
  t.equal(back.statusCode, 200);
  t.equal(back.json().headline, 'The current headline');
  t.equal(back.json().slug, 'the-current-slug');
  t.equal(back.json().status, 'archived');
  t.equal(back.json().version, 8);
  const pub = await send(b, 'POST', `/v1/articles/${id}/publish`);
  t.equal(pub.json().status, 'published');
  const r2 = await send(b, 'POST', `/v1/articles/${id}/revisions/2/restore`);
  t.equal(r2.json().status, 'published', 'a published article stays published');
  t.equal(r2.json().headline, 'A second headline');
  t.equal(r2.json().version, 10);
  t.equal((await send(b, 'GET', `/v1/articles/${id}`, { role: null })).json().headline, 'A second headline', 'the public sees the restored content');
});

t.test('restore keeps the current slug when the old one has been taken since', async (t) => {
  const b = await build(t);
  const { id, created } = await history(t, b);
  const other = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Squatter', slug: created.slug, sectionId: (await seedIds(b.services)).sections.get('sports') },
  });
  t.equal(other.statusCode, 201, 'another article takes the freed slug');
  const res = await send(b, 'POST', `/v1/articles/${id}/revisions/1/restore`);
  t.equal(res.statusCode, 200);
  t.equal(res.json().headline, 'The original headline');
  t.equal(res.json().slug, 'the-current-slug', 'the current slug stays: the old one belongs to another article now');
  t.equal((await send(b, 'GET', `/v1/articles/slug/${created.slug as string}`)).json().id, other.json().id, 'the other article keeps its slug');
});

t.test('restore: writer 403, unknown revision 404, no token 401', async (t) => {
  const b = await build(t);
  const { id } = await history(t, b);
  problem(t, await send(b, 'POST', `/v1/articles/${id}/revisions/1/restore`, { role: 'writer' }), 403, 'restore by a writer');
  problem(t, await send(b, 'POST', `/v1/articles/${id}/revisions/99/restore`), 404, 'restore an unknown revision');
  problem(t, await send(b, 'POST', '/v1/articles/0190b0b0-0000-7000-8000-000000000000/revisions/1/restore'), 404, 'restore on an unknown article');
  problem(t, await send(b, 'POST', `/v1/articles/${id}/revisions/1/restore`, { body: { force: true } }), 400, 'restore with a body field');

  for (const [method, url] of [
    ['GET', `/v1/articles/${id}/revisions`],
    ['GET', `/v1/articles/${id}/revisions/1`],
    ['POST', `/v1/articles/${id}/revisions/1/restore`],
  ] as const) {
    const res = await send(b, method, url, { role: null });
    problem(t, res, 401, `${method} ${url} without a token`);
    t.match(res.headers['www-authenticate'], /^Bearer/, 'WWW-Authenticate: Bearer');
  }
  const current = (await send(b, 'GET', `/v1/articles/${id}`)).json();
  t.equal(current.version, 6, 'nothing was restored');
  t.equal(current.headline, 'The current headline');
});
