// Stored article documents (src/modules/articles/documents.ts): a public read is answered from
// the stored JSON text once a first read has built it, and every change to something an
// article shows (the article, a byline, an image, a section, a linked article, a scheduled
// link target's time) is seen by the next read. Response cache off: these are the uncached reads.
import { sql } from 'drizzle-orm';
import t from 'tap';
import { addArticle, build, type Built, SEED_SLUG, seedIds } from '../../helper.ts';
import { send } from '../../requests.ts';

const HOUR = 3_600_000;

async function stored(b: Built, articleId: string): Promise<{ gen: number; summary: string | null; body: string | null }> {
  await b.services.articles.documents.settle();
  const [row] = await b.db.dialect.all<{ gen: number; summary: string | null; body: string | null }>(
    b.db.q,
    sql`select gen, summary, body from article_docs where article_id = ${articleId}`,
  );
  return { ...row!, gen: Number(row!.gen) };
}

/** A public read, then the document it stored (the read after it comes from the document). */
async function publicRead(b: Built, url: string) {
  const res = await send(b, 'GET', url, { role: null });
  await b.services.articles.documents.settle();
  return res;
}

const noCache = { CMS_RESPONSE_CACHE_BYTES: 0 };

t.test('a public read stores the document; the next read answers the very same bytes and ETag from it', async (t) => {
  const b = await build(t, { config: noCache });
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`)).json();
  t.type((await stored(b, seed.id)).summary, 'string', 'a token’s read of a public article with nothing hidden builds the public document too');
  const first = await publicRead(b, `/v1/articles/slug/${SEED_SLUG}`);
  const doc = await stored(b, seed.id);
  t.type(doc.summary, 'string', 'the document is stored');
  t.equal(doc.body, null, 'a body without image blocks is not stored twice (the stored body is spliced in)');
  const second = await publicRead(b, `/v1/articles/slug/${SEED_SLUG}`);
  t.equal(second.body, first.body, 'same bytes');
  t.equal(second.headers.etag, first.headers.etag, 'same ETag');
  t.strictSame(JSON.parse(second.body), seed, 'the same article');
  const byId = await publicRead(b, `/v1/articles/${seed.id}`);
  t.equal(byId.body, first.body, 'by id: the same document');
  t.equal(byId.headers.etag, first.headers.etag);
  // The ETag from a document is the one If-Match expects.
  const patch = await send(b, 'PATCH', `/v1/articles/${seed.id}`, { body: { summary: 'New summary' }, headers: { 'if-match': second.headers.etag as string } });
  t.equal(patch.statusCode, 200, 'If-Match with the document’s ETag succeeds');
  const after = await publicRead(b, `/v1/articles/slug/${SEED_SLUG}`);
  t.equal(after.json().summary, 'New summary', 'the edit is seen at once');
  t.equal(after.headers.etag, patch.headers.etag, 'and its ETag is the edit’s');
});

t.test('a body with an image block stores its body (the image filled in) and reads the same', async (t) => {
  const b = await build(t, { config: noCache });
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`)).json();
  const imageId = seed.leadImage.id as string;
  const a = await addArticle(b, { body: [{ type: 'paragraph', text: 'Before.' }, { type: 'image', imageId, caption: 'In the body' }], leadImage: null });
  const first = await publicRead(b, `/v1/articles/${a.id}`);
  t.equal(first.statusCode, 200);
  const doc = await stored(b, a.id);
  t.type(doc.body, 'string', 'the body is stored with the image');
  const second = await publicRead(b, `/v1/articles/${a.id}`);
  t.equal(second.body, first.body, 'same bytes from the document');
  t.equal(second.json().body[1].image.id, imageId);
});

t.test('changes to what an article shows clear its document in the same transaction', async (t) => {
  const b = await build(t, { config: noCache });
  const seed = (await publicRead(b, `/v1/articles/slug/${SEED_SLUG}`)).json();
  const read = async () => (await publicRead(b, `/v1/articles/slug/${SEED_SLUG}`)).json();

  const author = seed.authors[0];
  let gen = (await stored(b, seed.id)).gen;
  t.equal((await send(b, 'PATCH', `/v1/authors/${author.id}`, { role: 'admin', body: { name: 'Renamed Reporter' } })).statusCode, 200);
  t.ok((await stored(b, seed.id)).gen > gen, 'a byline’s change bumps the document’s gen');
  t.equal((await read()).authors[0].name, 'Renamed Reporter', 'a renamed byline is read at once');

  gen = (await stored(b, seed.id)).gen;
  t.equal((await send(b, 'PATCH', `/v1/images/${seed.leadImage.id}`, { body: { alt: 'New alt text' } })).statusCode, 200);
  t.ok((await stored(b, seed.id)).gen > gen, 'an image’s change bumps it');
  t.equal((await read()).leadImage.alt, 'New alt text', 'the lead image’s new alt text is read at once');

  const section = seed.breadcrumbs[0];
  t.equal((await send(b, 'PATCH', `/v1/sections/${section.id}`, { role: 'admin', body: { name: 'Nation' } })).statusCode, 200);
  t.equal((await read()).breadcrumbs[0].name, 'Nation', 'a renamed parent section shows in the breadcrumbs at once');

  // Lists show the same summaries, also from documents.
  const list = (await publicRead(b, '/v1/articles?limit=5')).json();
  const item = list.data.find((x: { id: string }) => x.id === seed.id);
  t.equal(item.authors[0].name, 'Renamed Reporter', 'the list shows the new byline');
  t.equal(item.breadcrumbs[0].name, 'Nation');
});

t.test('related links: a link to an unpublished article appears when it is published, goes when it is deleted', async (t) => {
  const b = await build(t, { config: noCache });
  const target = await addArticle(b, { status: 'draft' });
  const a = await addArticle(b, { relatedLinks: [{ title: null, url: null, targetArticleId: target.id }] });
  const links = async () => (await publicRead(b, `/v1/articles/${a.id}`)).json().relatedLinks;
  t.strictSame(await links(), [], 'hidden while the target is a draft');
  t.strictSame(await links(), [], 'also from the document');
  // A token sees the link; that view must not become the public document.
  const withToken = await send(b, 'GET', `/v1/articles/${a.id}`);
  t.equal(withToken.json().relatedLinks.length, 1, 'a token sees the link');
  await b.services.articles.documents.settle();
  t.strictSame(await links(), [], 'the public still does not');

  t.equal((await send(b, 'POST', `/v1/articles/${target.id}/publish`)).statusCode, 200);
  t.equal((await links())[0]?.articleId, target.id, 'shown once the target is published');
  const list = (await publicRead(b, '/v1/articles?limit=50')).json();
  t.equal(list.data.find((x: { id: string }) => x.id === a.id).relatedLinks[0]?.articleId, target.id, 'in lists too');

  t.equal((await send(b, 'DELETE', `/v1/articles/${target.id}`, { role: 'editor' })).statusCode, 204);
  t.strictSame(await links(), [], 'gone once the target is deleted');
});

t.test('a link to a scheduled article appears at its time, with no write', async (t) => {
  const b = await build(t, { config: noCache });
  const at = b.clock.now() + 2 * HOUR;
  const target = await addArticle(b, { status: 'scheduled', publishedAt: at, firstPublishedAt: null });
  const a = await addArticle(b, { relatedLinks: [{ title: 'Coming', url: null, targetArticleId: target.id }] });
  const links = async () => (await publicRead(b, `/v1/articles/slug/${a.slug}`)).json().relatedLinks;
  t.strictSame(await links(), [], 'hidden before its time');
  t.strictSame(await links(), [], 'from the document too');
  b.clock.advance(2 * HOUR);
  t.equal((await links())[0]?.articleId, target.id, 'shown at its time (the document had expired)');
});

t.test('a document built before a concurrent write is not stored over it', async (t) => {
  const b = await build(t, { config: noCache });
  const documents = b.services.articles.documents;
  const row = (await documents.bySlug(SEED_SLUG))!;
  t.ok(row.gen !== null, 'every article has its document row');
  // A write commits between the read's lookup and the store of what it built.
  const { author } = await seedIds(b.services);
  t.equal((await send(b, 'PATCH', `/v1/authors/${author('lim-jeong-won')}`, { role: 'admin', body: { name: 'Changed Meanwhile' } })).statusCode, 200);
  documents.store({ articleId: row.id, gen: row.gen!, summary: '{"stale":true}', body: null, etag: '"stale"', deps: [`article:${row.id}`], shared: true, validUntil: null });
  await documents.settle();
  t.equal((await stored(b, row.id)).summary, null, 'the stale document was not stored');
  const res = await publicRead(b, `/v1/articles/slug/${SEED_SLUG}`);
  t.ok(res.json().authors.some((x: { name: string }) => x.name === 'Changed Meanwhile'), 'the read builds it from the committed change');
  t.not(res.headers.etag, '"stale"');
});

t.test('drafts and scheduled articles are never answered from a document to the public', async (t) => {
  const b = await build(t, { config: noCache });
  const a = await addArticle(b);
  t.equal((await publicRead(b, `/v1/articles/${a.id}`)).statusCode, 200, 'public: read and stored');
  t.equal((await send(b, 'POST', `/v1/articles/${a.id}/unpublish`)).statusCode, 200);
  t.equal((await publicRead(b, `/v1/articles/${a.id}`)).statusCode, 404, 'unpublished: 404 at once');
  t.equal((await publicRead(b, `/v1/articles/slug/${a.slug}`)).statusCode, 404);
  const list = (await publicRead(b, '/v1/articles?limit=50')).json();
  t.notOk(list.data.some((x: { id: string }) => x.id === a.id), 'and not listed');
  const later = await addArticle(b, { status: 'scheduled', publishedAt: b.clock.now() + HOUR, firstPublishedAt: null });
  t.equal((await publicRead(b, `/v1/articles/${later.id}`)).statusCode, 404, 'scheduled, not due: 404');
  b.clock.advance(HOUR);
  const due = await publicRead(b, `/v1/articles/${later.id}`);
  t.equal(due.statusCode, 200, 'due: public');
  t.equal(due.json().status, 'published');
});
