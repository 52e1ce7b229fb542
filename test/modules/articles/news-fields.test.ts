// The news fields: `kicker`; `language` a BCP 47 tag (in input and as the `language` filter of
// GET /v1/articles); translations (`translationOf` joins a group, `translations` lists the
// other members the caller may see); corrections (POST /v1/articles/{id}/corrections, never
// edited or removed).
import { and, eq } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { send, problem, paths } from '../../requests.ts';

const MINUTE = 60_000;
const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

async function create(t: Test, b: Built, body: Record<string, unknown>, sectionPath = 'national/politics'): Promise<any> {
  const res = await send(b, 'POST', '/v1/articles', {
    body: { sectionId: (await seedIds(b.services)).sections.get(sectionPath), body: [{ type: 'paragraph', text: 'Text.' }], ...body },
  });
  t.equal(res.statusCode, 201, `created “${String(body.headline)}”${res.statusCode === 201 ? '' : `: ${res.body}`}`);
  return res.json();
}

async function publish(t: Test, b: Built, id: string): Promise<any> {
  const res = await send(b, 'POST', `/v1/articles/${id}/publish`);
  t.equal(res.statusCode, 200, 'published');
  return res.json();
}

const get = (b: Built, id: string, role: 'editor' | null = 'editor') => send(b, 'GET', `/v1/articles/${id}`, { role });

/** `translations` as `language:slug` pairs, as the caller sees them. */
async function translationsOf(b: Built, id: string, role: 'editor' | null = 'editor'): Promise<string[]> {
  const res = await get(b, id, role);
  if (res.statusCode !== 200) return [`status ${res.statusCode}`];
  return (res.json().translations as { language: string; slug: string }[]).map((m) => `${m.language}:${m.slug}`);
}

/** Slugs of the public list for a query. */
async function listed(t: Test, b: Built, query: string, role: 'editor' | null = null): Promise<string[]> {
  const res = await send(b, 'GET', `/v1/articles${query}`, { role });
  t.equal(res.statusCode, 200, `GET /v1/articles${query}`);
  return (res.json().data as { slug: string }[]).map((a) => a.slug);
}

t.test('the seed article: language en, no kicker, no corrections, no translations', async (t) => {
  const b = await build(t);
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  t.equal(seed.language, 'en');
  t.equal(seed.kicker, null);
  t.strictSame(seed.corrections, []);
  t.strictSame(seed.translations, []);
  const summary = (await send(b, 'GET', '/v1/articles', { role: null })).json().data[0];
  t.equal(summary.kicker, null, 'summaries carry the news fields too');
  t.strictSame(summary.corrections, []);
  t.strictSame(summary.translations, []);
  t.equal(summary.url, seed.url);
});

t.test('kicker: at most 80 characters, nullable, patchable, kept in revisions', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'With a kicker', kicker: 'Analysis' });
  t.equal(a.kicker, 'Analysis');
  const plain = await create(t, b, { headline: 'Without a kicker' });
  t.equal(plain.kicker, null, 'null by default');
  t.equal((await create(t, b, { headline: 'Null kicker', kicker: null })).kicker, null, 'null is taken');
  t.equal((await create(t, b, { headline: 'Eighty', kicker: 'k'.repeat(80) })).kicker, 'k'.repeat(80), '80 characters is fine');

  const tooLong = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Too long', sectionId: (await seedIds(b.services)).sections.get('national'), kicker: 'k'.repeat(81) },
  });
  t.strictSame(paths(problem(t, tooLong, 400, '81 characters')), ['body:kicker']);
  const patchLong = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { kicker: 'k'.repeat(81) } });
  t.strictSame(paths(problem(t, patchLong, 400, '81 characters on PATCH')), ['body:kicker']);
  for (const bad of ['', '   ', 'Two\nlines', 42]) {
    const res = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { kicker: bad } });
    t.strictSame(paths(problem(t, res, 400, `kicker ${JSON.stringify(bad)}`)), ['body:kicker']);
  }

  b.clock.advance(MINUTE);
  const patched = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { kicker: '  Exclusive ' } });
  t.equal(patched.statusCode, 200);
  t.equal(patched.json().kicker, 'Exclusive', 'trimmed');
  t.equal(patched.json().version, 2, 'a change: a new version');
  b.clock.advance(MINUTE);
  const cleared = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { kicker: null } });
  t.equal(cleared.json().kicker, null, 'cleared with null');

  // Revisions keep it; restoring one brings it back.
  const rev1 = (await send(b, 'GET', `/v1/articles/${a.id}/revisions/1`)).json();
  t.equal(rev1.article.kicker, 'Analysis');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}/revisions/2`)).json().article.kicker, 'Exclusive');
  const restored = await send(b, 'POST', `/v1/articles/${a.id}/revisions/2/restore`);
  t.equal(restored.statusCode, 200);
  t.equal(restored.json().kicker, 'Exclusive', 'restoring revision 2 restores its kicker');

  await publish(t, b, a.id);
  t.equal((await get(b, a.id, null)).json().kicker, 'Exclusive', 'the public sees it');
  const summary = (await send(b, 'GET', '/v1/articles', { role: null })).json().data.find((s: { id: string }) => s.id === a.id);
  t.equal(summary.kicker, 'Exclusive', 'and on the summary');
});

t.test('language: BCP 47 tags taken in canonical case; anything else is a 400 naming body.language', async (t) => {
  const b = await build(t);
  const accepted: [string, string][] = [
    ['en', 'en'],
    ['ko', 'ko'],
    ['pt-BR', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['EN', 'en'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['sr-Latn-RS', 'sr-Latn-RS'],
    ['es-419', 'es-419'],
  ];
  for (const [input, stored] of accepted) {
    const a = await create(t, b, { headline: `In ${input}`, language: input });
    t.equal(a.language, stored, `${input} -> ${stored}`);
  }
  t.equal((await create(t, b, { headline: 'No language' })).language, 'en', 'en by default');

  const a = await create(t, b, { headline: 'Changes language' });
  for (const bad of ['en_US', 'e', '123', 'x-foo', 'en-', 'i-klingon', 'en-US-', '', 'a'.repeat(40), 7, null]) {
    const created = await send(b, 'POST', '/v1/articles', {
      body: { headline: 'Bad language', sectionId: (await seedIds(b.services)).sections.get('national'), language: bad },
    });
    t.strictSame(paths(problem(t, created, 400, `create with ${JSON.stringify(bad)}`)), ['body:language']);
    const patched = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { language: bad } });
    t.strictSame(paths(problem(t, patched, 400, `patch with ${JSON.stringify(bad)}`)), ['body:language']);
  }
  const patched = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { language: 'de-ch' } });
  t.equal(patched.json().language, 'de-CH', 'a PATCH is canonicalised too');
  t.equal(patched.json().version, 2);
});

t.test('the language filter of GET /v1/articles', async (t) => {
  const b = await build(t);
  const ko = await create(t, b, { headline: 'Korean', language: 'ko' }, 'national/politics');
  const br = await create(t, b, { headline: 'Brazilian', language: 'pt-BR' }, 'culture/film');
  const koDraft = await create(t, b, { headline: 'Korean draft', language: 'ko' });
  await publish(t, b, ko.id);
  await publish(t, b, br.id);

  t.strictSame(await listed(t, b, '?language=ko'), [ko.slug], 'the public: published ko articles only');
  t.strictSame((await listed(t, b, '?language=ko', 'editor')).sort(), [ko.slug, koDraft.slug].sort(), 'a token: every status');
  t.strictSame(await listed(t, b, '?language=pt-br'), [br.slug], 'the filter is canonicalised (pt-br finds pt-BR)');
  t.strictSame(await listed(t, b, '?language=en'), [SEED_SLUG]);
  t.strictSame(await listed(t, b, '?language=ja'), [], 'a well-formed language nobody writes in: empty');
  t.strictSame(await listed(t, b, '?language=ko&section=national'), [ko.slug], 'with a section (its subsections included)');
  t.strictSame(await listed(t, b, '?language=ko&section=culture'), [], 'with another section');
  t.strictSame(await listed(t, b, '?language=pt-BR&section=culture'), [br.slug]);
  t.strictSame(await listed(t, b, '?language=ko&q=korean'), [ko.slug], 'with a search');

  for (const bad of ['en_US', 'e', '123', 'x-foo', '']) {
    const res = await send(b, 'GET', `/v1/articles?language=${encodeURIComponent(bad)}`, { role: null });
    t.strictSame(paths(problem(t, res, 400, `?language=${bad}`)), ['query:language']);
  }

  // A change of language moves the article between lists, cached ones included.
  t.strictSame(await listed(t, b, '?language=ko'), [ko.slug]);
  t.strictSame(await listed(t, b, '?language=ja'), []);
  const moved = await send(b, 'PATCH', `/v1/articles/${ko.id}`, { body: { language: 'ja' } });
  t.equal(moved.statusCode, 200);
  t.strictSame(await listed(t, b, '?language=ko'), [], 'gone from the ko list');
  t.strictSame(await listed(t, b, '?language=ja'), [ko.slug], 'in the ja list');
  // A deleted article leaves its language's list.
  t.equal((await send(b, 'DELETE', `/v1/articles/${br.id}`)).statusCode, 204);
  t.strictSame(await listed(t, b, '?language=pt-BR'), []);
});

t.test('translations: a group joined by translationOf; each member lists the others', async (t) => {
  const b = await build(t, { config: { CMS_SITE_URL: 'https://news.example.com' } });
  const a = await create(t, b, { headline: 'Summit ends', language: 'en' });
  t.strictSame(a.translations, [], 'no translations yet');
  const bArticle = await create(t, b, { headline: 'Cumbre termina', language: 'es', translationOf: a.id }, 'culture/film');
  t.strictSame(
    bArticle.translations,
    [{ id: a.id, language: 'en', slug: a.slug, url: `https://news.example.com/national/politics/${a.slug}` }],
    'B names A with id, language, slug and url',
  );
  t.notOk('translationOf' in bArticle, 'translationOf is input only');
  t.strictSame(
    (await get(b, a.id)).json().translations,
    [{ id: bArticle.id, language: 'es', slug: bArticle.slug, url: `https://news.example.com/culture/film/${bArticle.slug}` }],
    'A names B',
  );

  // A third joins through B: the group is one.
  const c = await create(t, b, { headline: 'Sommet terminé', language: 'fr', translationOf: bArticle.id });
  t.strictSame((c.translations as { id: string }[]).map((m) => m.id).sort(), [a.id, bArticle.id].sort(), 'C names A and B');
  t.strictSame((await translationsOf(b, a.id)).sort(), [`es:${bArticle.slug}`, `fr:${c.slug}`].sort(), 'A names B and C');
  t.strictSame((await translationsOf(b, bArticle.id)).sort(), [`en:${a.slug}`, `fr:${c.slug}`].sort(), 'B names A and C');

  // 409: a second member with a language the group has, on create and on a PATCH of language.
  const clash = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Another Spanish', sectionId: (await seedIds(b.services)).sections.get('national'), language: 'es', translationOf: a.id },
  });
  problem(t, clash, 409, 'a second es member on create');
  const clashDefault = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'English by default', sectionId: (await seedIds(b.services)).sections.get('national'), translationOf: c.id },
  });
  problem(t, clashDefault, 409, 'a member in en (the default) when A is en');
  t.equal((await send(b, 'GET', '/v1/articles/slug/another-spanish')).statusCode, 404, 'nothing was created');
  t.strictSame((await translationsOf(b, a.id)).length, 2, 'the group is unchanged');
  const patchClash = await send(b, 'PATCH', `/v1/articles/${c.id}`, { body: { language: 'es' } });
  problem(t, patchClash, 409, 'a PATCH of language to one the group has');
  t.equal((await get(b, c.id)).json().language, 'fr', 'unchanged');
  t.equal((await get(b, c.id)).json().version, 1);
  const outsider = await create(t, b, { headline: 'Outsider in Spanish', language: 'es' });
  const joinClash = await send(b, 'PATCH', `/v1/articles/${outsider.id}`, { body: { translationOf: a.id } });
  problem(t, joinClash, 409, 'joining by PATCH with a language the group has');
  t.strictSame((await get(b, outsider.id)).json().translations, []);
  // Joining and changing language in one PATCH is fine.
  const joined = await send(b, 'PATCH', `/v1/articles/${outsider.id}`, { body: { translationOf: a.id, language: 'es-MX' } });
  t.equal(joined.statusCode, 200);
  t.equal(joined.json().translations.length, 3);
  t.equal((await translationsOf(b, a.id)).length, 3, 'A sees the new member');

  // 422: translationOf naming no article, or the article itself.
  const missing = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Of nothing', sectionId: (await seedIds(b.services)).sections.get('national'), language: 'de', translationOf: MISSING_ID },
  });
  t.strictSame(paths(problem(t, missing, 422, 'translationOf a missing id')), ['body:translationOf']);
  const self = await send(b, 'PATCH', `/v1/articles/${c.id}`, { body: { translationOf: c.id } });
  t.strictSame(paths(problem(t, self, 422, 'translationOf itself')), ['body:translationOf']);
  const selfLone = await send(b, 'PATCH', `/v1/articles/${(await create(t, b, { headline: 'Lone' })).id}`, { body: { translationOf: MISSING_ID } });
  problem(t, selfLone, 422, 'PATCH translationOf a missing id');
  const malformed = await send(b, 'PATCH', `/v1/articles/${c.id}`, { body: { translationOf: '' } });
  t.strictSame(paths(problem(t, malformed, 400, 'an empty translationOf')), ['body:translationOf']);
});

t.test('translations the public may not see are left out; published, they appear (response cache refreshed)', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Original', language: 'en' });
  await publish(t, b, a.id);
  const draft = await create(t, b, { headline: 'Traduction', language: 'fr', translationOf: a.id });

  t.strictSame(await translationsOf(b, a.id), [`fr:${draft.slug}`], 'a token sees the draft translation');
  const first = await get(b, a.id, null);
  const second = await get(b, a.id, null);
  t.strictSame(first.json().translations, [], 'the public does not');
  t.strictSame(second.json().translations, []);
  t.equal(second.headers['x-cache'], 'hit', 'the second anonymous read comes from the response cache');
  const list = (await send(b, 'GET', '/v1/articles', { role: null })).json().data.find((s: { id: string }) => s.id === a.id);
  t.strictSame(list.translations, [], 'nor on the summary');
  t.equal((await get(b, draft.id, null)).statusCode, 404, 'nor the draft itself');
  t.equal(first.headers['cache-control'], 'public, max-age=60');

  await publish(t, b, draft.id);
  const after = await get(b, a.id, null);
  t.equal(after.headers['x-cache'], undefined, 'the cached response was evicted');
  t.strictSame(after.json().translations.map((m: { slug: string }) => m.slug), [draft.slug], 'the public now sees the translation');
  t.not(after.headers.etag, first.headers.etag, 'a new ETag');
  const list2 = (await send(b, 'GET', '/v1/articles', { role: null })).json().data.find((s: { id: string }) => s.id === a.id);
  t.strictSame(list2.translations.map((m: { slug: string }) => m.slug), [draft.slug], 'and on the summary');
  t.strictSame((await get(b, draft.id, null)).json().translations.map((m: { slug: string }) => m.slug), [a.slug]);

  // Unpublished again: it disappears from the public's view of A.
  await get(b, a.id, null);
  t.equal((await send(b, 'POST', `/v1/articles/${draft.id}/unpublish`)).statusCode, 200);
  t.strictSame((await get(b, a.id, null)).json().translations, [], 'gone again once unpublished');
});

t.test('a member renamed, re-slugged or deleted: the others follow', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'First', language: 'en' });
  const ko = await create(t, b, { headline: 'Second', language: 'ko', translationOf: a.id });
  const ja = await create(t, b, { headline: 'Third', language: 'ja', translationOf: a.id });
  for (const id of [a.id, ko.id, ja.id]) await publish(t, b, id);
  // Cached for the public.
  for (let i = 0; i < 2; i++) for (const id of [a.id, ko.id, ja.id]) await get(b, id, null);

  const reslugged = await send(b, 'PATCH', `/v1/articles/${ko.id}`, { body: { slug: 'second-in-korean', language: 'ko-KR' } });
  t.equal(reslugged.statusCode, 200);
  t.strictSame(await translationsOf(b, a.id, null), ['ja:' + ja.slug, 'ko-KR:second-in-korean'], 'A shows the new slug and language');
  t.strictSame(await translationsOf(b, ja.id, null), ['en:' + a.slug, 'ko-KR:second-in-korean']);

  for (let i = 0; i < 2; i++) for (const id of [a.id, ja.id]) await get(b, id, null);
  t.equal((await send(b, 'DELETE', `/v1/articles/${ko.id}`)).statusCode, 204);
  t.strictSame(await translationsOf(b, a.id, null), ['ja:' + ja.slug], 'a deleted member leaves the others’ translations (public)');
  t.strictSame(await translationsOf(b, ja.id, null), ['en:' + a.slug]);
  t.strictSame(await translationsOf(b, a.id), ['ja:' + ja.slug], 'and the token’s view');

  // Deleting the article the group began with leaves the rest together.
  t.equal((await send(b, 'DELETE', `/v1/articles/${a.id}`)).statusCode, 204);
  t.strictSame(await translationsOf(b, ja.id, null), []);
  const late = await create(t, b, { headline: 'Fourth', language: 'de', translationOf: ja.id });
  t.strictSame(late.translations.map((m: { id: string }) => m.id), [ja.id], 'the group still takes members');
});

t.test('a member leaving for another group: both groups follow', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Group one', language: 'en' });
  const x = await create(t, b, { headline: 'Group two', language: 'en' });
  const m = await create(t, b, { headline: 'Mover', language: 'ko', translationOf: a.id });
  t.strictSame(await translationsOf(b, a.id), [`ko:${m.slug}`]);
  const moved = await send(b, 'PATCH', `/v1/articles/${m.id}`, { body: { translationOf: x.id } });
  t.equal(moved.statusCode, 200);
  t.strictSame(moved.json().translations.map((t: { id: string }) => t.id), [x.id]);
  t.strictSame(await translationsOf(b, a.id), [], 'the group it left no longer lists it');
  t.strictSame(await translationsOf(b, x.id), [`ko:${m.slug}`], 'the group it joined does');
});

t.test('corrections: editor+, 201 {id,text,createdAt}, a new version and revision, oldest first, public', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'To be corrected' });
  await publish(t, b, a.id);
  const url = `/v1/articles/${a.id}/corrections`;

  const before = await get(b, a.id, null);
  await get(b, a.id, null); // cached
  const etag = before.headers.etag as string;
  const version = before.json().version;

  b.clock.advance(MINUTE);
  const at1 = b.clock.now();
  const c1 = await send(b, 'POST', url, { body: { text: 'An earlier version misstated the date of the summit.' } });
  t.equal(c1.statusCode, 201);
  t.equal(c1.headers['content-type'], 'application/json; charset=utf-8');
  t.strictSame(Object.keys(c1.json()).sort(), ['createdAt', 'id', 'text']);
  t.equal(c1.json().text, 'An earlier version misstated the date of the summit.');
  t.equal(c1.json().createdAt, new Date(at1).toISOString());

  const after = await get(b, a.id, null);
  t.equal(after.headers['x-cache'], undefined, 'the cached article was evicted');
  t.not(after.headers.etag, etag, 'the ETag changed');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`, { role: null, headers: { 'if-none-match': etag } })).statusCode, 200, 'the old ETag no longer matches');
  t.equal(after.json().version, version + 1, 'a new version');
  t.strictSame(after.json().corrections, [c1.json()], 'the public sees it');
  t.equal(after.json().updatedAt, new Date(at1).toISOString());
  const revisions = (await send(b, 'GET', `/v1/articles/${a.id}/revisions`)).json().data;
  t.equal(revisions[0].revision, version + 1, 'a revision was stored');
  t.equal(revisions[0].createdBy, 'test-editor');
  const stored = (await send(b, 'GET', `/v1/articles/${a.id}/revisions/${version + 1}`)).json();
  t.strictSame(stored.article.corrections, [c1.json()], 'the revision shows it');

  // Oldest first (a second one in the same millisecond too, and a third later).
  const c2 = await send(b, 'POST', url, { role: 'admin', body: { text: 'Second.' } });
  t.equal(c2.statusCode, 201, 'an admin may too');
  b.clock.advance(MINUTE);
  const c3 = await send(b, 'POST', url, { body: { text: '  Third, trimmed.  ' } });
  t.equal(c3.json().text, 'Third, trimmed.');
  const full = (await get(b, a.id, null)).json();
  t.strictSame(full.corrections.map((c: { text: string }) => c.text), ['An earlier version misstated the date of the summit.', 'Second.', 'Third, trimmed.']);
  t.equal(full.version, version + 3);
  const summary = (await send(b, 'GET', '/v1/articles', { role: null })).json().data.find((s: { id: string }) => s.id === a.id);
  t.strictSame(summary.corrections, full.corrections, 'summaries carry them too');

  // A draft can be corrected as well (editor+); the public sees nothing of it.
  const draft = await create(t, b, { headline: 'Draft with a correction' });
  t.equal((await send(b, 'POST', `/v1/articles/${draft.id}/corrections`, { body: { text: 'Fixed.' } })).statusCode, 201);
  t.equal((await get(b, draft.id)).json().corrections.length, 1);
  t.equal((await get(b, draft.id, null)).statusCode, 404);
});

t.test('corrections: who may, what is refused', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Guarded' });
  const url = `/v1/articles/${a.id}/corrections`;
  const anonymous = await send(b, 'POST', url, { role: null, body: { text: 'No.' } });
  problem(t, anonymous, 401, 'without a token');
  t.match(anonymous.headers['www-authenticate'], /^Bearer\b/);
  problem(t, await send(b, 'POST', url, { role: null, body: {} }), 401, 'without a token, before validation');
  problem(t, await send(b, 'POST', url, { role: 'writer', body: { text: 'No.' } }), 403, 'a writer');
  problem(t, await send(b, 'POST', `/v1/articles/${MISSING_ID}/corrections`, { body: { text: 'No.' } }), 404, 'a missing article');
  problem(t, await send(b, 'POST', `/v1/articles/${MISSING_ID}/corrections`, { role: 'writer', body: { text: 'No.' } }), 404, 'existence before role');
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: {} }), 400, 'no text')), ['body:text']);
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: { text: '' } }), 400, 'empty text')), ['body:text']);
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: { text: '   ' } }), 400, 'blank text')), ['body:text']);
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: { text: 5 } }), 400, 'a number')), ['body:text']);
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: { text: 'x'.repeat(5001) } }), 400, 'too long')), ['body:text']);
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: { text: 'Fine.', id: 'mine' } }), 400, 'an id')), ['body:id']);
  t.strictSame(paths(problem(t, await send(b, 'POST', url, { body: { text: 'Fine.', txet: 'typo' } }), 400, 'an unknown field')), ['body:txet']);
  problem(t, await send(b, 'POST', url, { body: 'text' }), 400, 'a JSON string');
  const noBody = await b.app.inject({ method: 'POST', url, headers: b.auth('editor') });
  problem(t, noBody, 400, 'no body');
  const form = await b.app.inject({ method: 'POST', url, headers: { ...b.auth('editor'), 'content-type': 'text/plain' }, payload: 'Correction' });
  problem(t, form, 415, 'not JSON');
  const current = (await get(b, a.id)).json();
  t.strictSame(current.corrections, [], 'nothing was added');
  t.equal(current.version, 1, 'nor any version');
});

t.test('corrections are never edited or removed: not by PATCH, not by restoring a revision', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Kept corrections' });
  await publish(t, b, a.id);
  const c = (await send(b, 'POST', `/v1/articles/${a.id}/corrections`, { body: { text: 'A correction.' } })).json();

  for (const value of [[], null, [{ text: 'Rewritten.' }]]) {
    const res = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { corrections: value } });
    t.strictSame(paths(problem(t, res, 400, `PATCH corrections ${JSON.stringify(value)}`)), ['body:corrections']);
  }
  const onCreate = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Born corrected', sectionId: (await seedIds(b.services)).sections.get('national'), corrections: [{ text: 'x' }] },
  });
  t.strictSame(paths(problem(t, onCreate, 400, 'corrections on create')), ['body:corrections']);

  b.clock.advance(MINUTE);
  t.equal((await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Edited after the correction' } })).statusCode, 200);
  const restored = await send(b, 'POST', `/v1/articles/${a.id}/revisions/1/restore`);
  t.equal(restored.statusCode, 200);
  t.equal(restored.json().headline, 'Kept corrections', 'revision 1’s content is back');
  t.strictSame(restored.json().corrections, [c], 'the correction stays (revision 1 had none)');
  t.strictSame((await get(b, a.id, null)).json().corrections, [c], 'for the public too');
  const unpublished = await send(b, 'POST', `/v1/articles/${a.id}/unpublish`);
  t.strictSame(unpublished.json().corrections, [c], 'and through status changes');
});

t.test('corrections honour Idempotency-Key', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Retried' });
  const url = `/v1/articles/${a.id}/corrections`;
  const headers = { 'idempotency-key': 'correction-1' };
  const first = await send(b, 'POST', url, { body: { text: 'Once.' }, headers });
  const again = await send(b, 'POST', url, { body: { text: 'Once.' }, headers });
  t.equal(first.statusCode, 201);
  t.equal(again.statusCode, 201);
  t.equal(again.headers['idempotency-replayed'], 'true');
  t.strictSame(again.json(), first.json());
  t.equal((await get(b, a.id)).json().corrections.length, 1, 'added once');
});

t.test('a revision stored before the news fields reads back and restores (as after an upgrade)', async (t) => {
  const b = await build(t, { config: { CMS_ARTICLE_PATH: '/{yyyy}/{slug}' } });
  const a = await create(t, b, { headline: 'Older than kickers', kicker: 'Analysis' });
  await publish(t, b, a.id);
  t.equal((await send(b, 'POST', `/v1/articles/${a.id}/corrections`, { body: { text: 'A correction.' } })).statusCode, 201);
  // Revision 1 as the previous release stored it: no url, kicker, translations or corrections.
  const { articleRevisions } = b.db.tables;
  const where = and(eq(articleRevisions.articleId, a.id), eq(articleRevisions.revision, 1));
  const [row] = await b.db.q.select({ snapshot: articleRevisions.snapshot }).from(articleRevisions).where(where);
  const snapshot = row!.snapshot as { record: Record<string, unknown>; article: Record<string, unknown> };
  const { url: _u, kicker: _k, translations: _t, corrections: _c, ...article } = snapshot.article;
  const { kicker: _rk, translationGroup: _rg, ...record } = snapshot.record;
  await b.db.transaction(async () => void (await b.db.q.update(articleRevisions).set({ snapshot: { record, article } }).where(where)));

  const old = await send(b, 'GET', `/v1/articles/${a.id}/revisions/1`);
  t.equal(old.statusCode, 200, 'reads back (not a 500)');
  const year = new Date(a.createdAt).getUTCFullYear();
  t.equal(old.json().article.url, `http://localhost:3000/${year}/${a.slug}`, 'its url is made from what it stored (never published then: its creation)');
  t.equal(old.json().article.kicker, null);
  t.strictSame(old.json().article.translations, []);
  t.strictSame(old.json().article.corrections, []);
  const restored = await send(b, 'POST', `/v1/articles/${a.id}/revisions/1/restore`);
  t.equal(restored.statusCode, 200, 'restores');
  t.equal(restored.json().kicker, null, 'a revision from before kickers has none');
  t.strictSame(restored.json().corrections.map((c: { text: string }) => c.text), ['A correction.'], 'the correction stays');
});

t.test('two members with one language at once: one is refused', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Contested', language: 'en' });
  const sectionId = (await seedIds(b.services)).sections.get('national');
  const results = await Promise.all(
    [1, 2, 3].map((n) => send(b, 'POST', '/v1/articles', { body: { headline: `Spanish ${n}`, sectionId, language: 'es', translationOf: a.id } })),
  );
  t.strictSame(results.map((r) => r.statusCode).sort(), [201, 409, 409], 'one joins, the others get 409');
  t.strictSame((await translationsOf(b, a.id)).map((m) => m.split(':')[0]), ['es']);
});

t.test('a scheduled translation appears to the public at its time (no write in between)', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Now', language: 'en' });
  await publish(t, b, a.id);
  const later = await create(t, b, { headline: 'Later', language: 'ko', translationOf: a.id });
  const when = b.clock.now() + 60 * MINUTE;
  t.equal((await send(b, 'POST', `/v1/articles/${later.id}/publish`, { body: { publishAt: new Date(when).toISOString() } })).json().status, 'scheduled');
  t.strictSame(await translationsOf(b, a.id, null), [], 'not yet');
  t.strictSame(await translationsOf(b, a.id, null), [], 'still not (cached)');
  t.strictSame(
    (await send(b, 'GET', '/v1/articles', { role: null })).json().data.find((s: { id: string }) => s.id === a.id).translations,
    [],
  );
  b.clock.set(when + 1000);
  t.strictSame(await translationsOf(b, a.id, null), [`ko:${later.slug}`], 'public at its time');
  t.strictSame(
    (await send(b, 'GET', '/v1/articles', { role: null })).json().data.find((s: { id: string }) => s.id === a.id).translations.map((m: { id: string }) => m.id),
    [later.id],
    'on the summary too',
  );
});
