// Surrogate-Key on every public GET (API.md "Events: sync, cache keys, preview"): the keys of
// what the response shows, the same on a cache hit as on the miss, with or without a token;
// and the response cache evicting, on each kind of write, exactly what a CDN purging that
// write's key would (one list of keys makes both).
import t, { type Test } from 'tap';
import { articleSurrogateKeys } from '../../src/modules/articles/surrogate-keys.ts';
import { surrogateKeysOf } from '../../src/http/surrogate-keys.ts';
import { addArticle, build, SEED_SLUG, type Built } from '../helper.ts';

const CONFIG = { config: { CMS_PUBLIC_URL: 'https://api.example.com' } };
const seedUrl = `/v1/articles/slug/${SEED_SLUG}`;

function keysOf(res: { headers: Record<string, unknown> }): string[] {
  const header = res.headers['surrogate-key'];
  return typeof header === 'string' ? header.split(' ') : [];
}

/** Reads a URL twice: the second is a cache hit with the same keys. Returns the keys. */
async function keysWithHit(t: Test, b: Built, url: string, cached = true): Promise<string[]> {
  const miss = await b.app.inject({ url });
  t.equal(miss.statusCode, 200, `${url} answers`);
  const keys = keysOf(miss);
  t.ok(keys.length > 0, `${url} carries Surrogate-Key`);
  t.equal(new Set(keys).size, keys.length, `${url}: each key once`);
  t.ok(keys.every((k) => /^(articles|(article|section|author|image)-[0-9a-z-]+|tag-[^\s]+)$/.test(k)), `${url}: only the kinds API.md names (${keys.join(' ')})`);
  // A change noticed meanwhile (a document stored by an earlier read, through the change feed
  // on PostgreSQL) may keep one response from being stored: read until one is served from it.
  let again = await b.app.inject({ url });
  for (let i = 0; cached && i < 5 && again.headers['x-cache'] !== 'hit'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    again = await b.app.inject({ url });
  }
  if (cached) t.equal(again.headers['x-cache'], 'hit', `${url} is served from the cache`);
  t.equal(again.headers['surrogate-key'], miss.headers['surrogate-key'], `${url}: the same keys the second time`);
  if (cached) {
    const revalidated = await b.app.inject({ url, headers: { 'if-none-match': String(miss.headers.etag) } });
    t.equal(revalidated.statusCode, 304);
    t.equal(revalidated.headers['surrogate-key'], miss.headers['surrogate-key'], `${url}: a 304 from the cache keeps them`);
  }
  const withToken = await b.app.inject({ url, headers: b.auth('writer') });
  t.same(keysOf(withToken).sort(), [...keys].sort(), `${url}: the same keys with a token`);
  return keys;
}

t.test('the internal keys map to surrogate keys', async (t) => {
  t.equal(surrogateKeysOf(['article:a1', 'author:u1', 'image:i1', 'section:s1', 'tag:north-korea']), 'article-a1 author-u1 image-i1 section-s1 tag-north-korea');
  t.equal(surrogateKeysOf(['feed:all', 'feed:language:en', 'feed:tag:t1']), 'articles');
  t.equal(surrogateKeysOf(['feed:section:s1', 'feed:author:u1', 'article:a1', 'article:a1']), 'articles section-s1 author-u1 article-a1');
  t.equal(surrogateKeysOf(['public', 'sections', '*']), '', 'keys that name no one thing map to nothing');
});

t.test('an article: itself, its sections with their ancestors, bylines, images and tags', async (t) => {
  const b = await build(t, CONFIG);
  const seed = (await b.app.inject({ url: seedUrl })).json();
  t.ok(seed.leadImage && seed.tags.length > 0 && seed.breadcrumbs.length > 1, 'the seed article shows an image, tags and a nested section');
  const expected = articleSurrogateKeys(seed).filter((k) => k !== 'articles');
  for (const url of [seedUrl, `/v1/articles/${seed.id}`, `/v1/articles/${seed.id}/jsonld`, `/v1/articles/${seed.id}/ninjs`]) {
    const keys = await keysWithHit(t, b, url);
    t.same([...keys].sort(), [...expected].sort(), `${url}: the keys of articleSurrogateKeys (events), less \`articles\``);
    t.notOk(keys.includes('articles'), `${url} is no list`);
  }
  t.ok(expected.includes(`article-${seed.id}`) && expected.includes(`image-${seed.leadImage.id}`) && expected.includes(`author-${seed.authors[0].id}`));
  for (const s of seed.breadcrumbs) t.ok(expected.includes(`section-${s.id}`), `section-${s.path}`);
  for (const tag of seed.tags) t.ok(expected.includes(`tag-${tag.slug}`), `tag-${tag.slug}`);
});

t.test('article lists and feeds: articles, each article shown, and the filter', async (t) => {
  const b = await build(t, CONFIG);
  const seed = (await b.app.inject({ url: seedUrl })).json();
  const other = await addArticle(b, { sectionPath: 'national', tagNames: ['Elections'] });
  const national = seed.breadcrumbs[0];
  const all = await keysWithHit(t, b, '/v1/articles');
  t.ok(all.includes('articles'));
  for (const key of articleSurrogateKeys(seed)) t.ok(all.includes(key), `the list shows ${key}`);
  t.ok(all.includes(`article-${other.id}`) && all.includes('tag-elections'));
  const bySection = await keysWithHit(t, b, `/v1/articles?section=${national.slug}`);
  t.ok(bySection.includes('articles') && bySection.includes(`section-${national.id}`));
  const byAuthor = await keysWithHit(t, b, `/v1/articles?author=${seed.authors[0].slug}`);
  t.ok(byAuthor.includes('articles') && byAuthor.includes(`author-${seed.authors[0].id}`));
  const byTag = await keysWithHit(t, b, '/v1/articles?tag=elections');
  t.ok(byTag.includes('articles') && byTag.includes('tag-elections') && byTag.includes(`article-${other.id}`));
  t.notOk(byTag.includes(`article-${seed.id}`), 'an article not listed is not named');
  const searched = await keysWithHit(t, b, '/v1/articles?q=pyongyang');
  t.ok(searched.includes('articles') && searched.includes(`article-${seed.id}`));
  for (const url of ['/v1/feeds/rss', '/v1/feeds/atom', '/v1/feeds/json', '/v1/feeds/rss?tag=elections']) {
    const keys = await keysWithHit(t, b, url);
    t.ok(keys.includes('articles') && keys.includes(`article-${other.id}`), `${url} lists articles`);
  }
  const feed = await keysWithHit(t, b, '/v1/feeds/json');
  for (const key of articleSurrogateKeys(seed)) t.ok(feed.includes(key), `the feed shows ${key}`);
});

t.test('sitemaps and tags: articles', async (t) => {
  const b = await build(t, CONFIG);
  const seed = (await b.app.inject({ url: seedUrl })).json();
  const index = await keysWithHit(t, b, '/v1/sitemaps/index.xml');
  t.same(index, ['articles']);
  const month = seed.firstPublishedAt.slice(0, 7);
  const monthFile = await b.app.inject({ url: `/v1/sitemaps/articles/${month}.xml` });
  t.equal(monthFile.statusCode, 200);
  t.same(keysOf(monthFile), ['articles'], 'a month file (a stream)');
  const monthNotModified = await b.app.inject({ url: `/v1/sitemaps/articles/${month}.xml`, headers: { 'if-none-match': String(monthFile.headers.etag) } });
  t.equal(monthNotModified.statusCode, 304);
  t.same(keysOf(monthNotModified), ['articles'], 'and its 304');
  const news = await b.app.inject({ url: '/v1/sitemaps/news.xml' });
  t.same(keysOf(news), ['articles'], 'the news sitemap');
  const tags = await keysWithHit(t, b, '/v1/tags');
  t.ok(tags.includes('articles'), 'GET /v1/tags counts articles');
  for (const tag of seed.tags) t.ok(tags.includes(`tag-${tag.slug}`));
});

t.test('images, sections and authors: each one shown', async (t) => {
  const b = await build(t, CONFIG);
  const seed = (await b.app.inject({ url: seedUrl })).json();
  const imageId = seed.leadImage.id;
  t.same(await keysWithHit(t, b, `/v1/images/${imageId}`), [`image-${imageId}`]);
  const images = await keysWithHit(t, b, '/v1/images');
  t.ok(images.includes(`image-${imageId}`) && images.includes('articles'), 'the image list follows article publications');
  const file = await b.app.inject({ url: `/v1/images/${imageId}/file` });
  t.equal(file.statusCode, 200);
  t.same(keysOf(file), [`image-${imageId}`], 'the image file');
  const rendition = await b.app.inject({ url: `/v1/images/${imageId}/file?w=320&format=webp` });
  t.same(keysOf(rendition), [`image-${imageId}`], 'a rendition');
  const range = await b.app.inject({ url: `/v1/images/${imageId}/file`, headers: { range: 'bytes=0-9' } });
  t.equal(range.statusCode, 206);
  t.same(keysOf(range), [`image-${imageId}`], 'a range of it');

  const sections = (await b.app.inject({ url: '/v1/sections?limit=100' })).json().data as { id: string }[];
  const sectionKeys = await keysWithHit(t, b, '/v1/sections?limit=100');
  t.same([...sectionKeys].sort(), sections.map((s) => `section-${s.id}`).sort(), 'one key per section listed');
  const national = seed.breadcrumbs[0];
  const detail = (await b.app.inject({ url: `/v1/sections/${national.id}` })).json();
  t.ok(detail.children.length > 0);
  const detailKeys = await keysWithHit(t, b, `/v1/sections/${national.id}`);
  t.same([...detailKeys].sort(), [national.id, ...detail.children.map((c: { id: string }) => c.id)].map((id) => `section-${id}`).sort(), 'itself and its children');
  const child = seed.breadcrumbs[1];
  const childKeys = await keysWithHit(t, b, `/v1/sections/${child.id}`);
  t.ok(childKeys.includes(`section-${national.id}`) && childKeys.includes(`section-${child.id}`), 'a subsection: with its ancestors');

  const author = seed.authors[0];
  t.same(await keysWithHit(t, b, `/v1/authors/${author.id}`), [`author-${author.id}`]);
  t.same(await keysWithHit(t, b, `/v1/authors/slug/${author.slug}`), [`author-${author.id}`]);
  const authors = (await b.app.inject({ url: '/v1/authors' })).json().data as { id: string }[];
  t.same([...(await keysWithHit(t, b, '/v1/authors'))].sort(), authors.map((a) => `author-${a.id}`).sort());
});

t.test('what is not public content carries no key', async (t) => {
  const b = await build(t, CONFIG);
  const missing = await b.app.inject({ url: '/v1/articles/slug/no-such-article' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.headers['surrogate-key'], undefined, 'a 404');
  const tokens = await b.app.inject({ url: '/v1/tokens', headers: b.auth('admin') });
  t.equal(tokens.statusCode, 200);
  t.equal(tokens.headers['surrogate-key'], undefined, 'an admin read');
  const health = await b.app.inject({ url: '/health' });
  t.equal(health.headers['surrogate-key'], undefined, 'health');
});

t.test('a write evicts every cached response carrying the key it changes (what a CDN would purge)', async (t) => {
  const b = await build(t, CONFIG);
  const editor = { ...b.auth('editor'), 'content-type': 'application/json' };
  const seed = (await b.app.inject({ url: seedUrl })).json();
  const other = await addArticle(b, { sectionPath: 'business', authorSlugs: [seed.authors.length > 1 ? seed.authors[1].slug : 'lim-jeong-won'] });
  const urls = [
    seedUrl,
    `/v1/articles/${other.id}`,
    `/v1/articles/${seed.id}/jsonld`,
    '/v1/articles',
    '/v1/feeds/rss',
    '/v1/sitemaps/index.xml',
    '/v1/tags',
    '/v1/images',
    `/v1/images/${seed.leadImage.id}`,
    '/v1/sections',
    `/v1/sections/${seed.section.id}`,
    '/v1/authors',
    `/v1/authors/${seed.authors[0].id}`,
  ];
  /**
   * Warms every URL and returns each one's keys: passes until one finds every URL served from
   * the cache (on PostgreSQL an earlier write's notice may arrive after the first pass).
   */
  async function warm(): Promise<Map<string, string[]>> {
    const keys = new Map<string, string[]>();
    for (const url of urls) keys.set(url, keysOf(await b.app.inject({ url })));
    let missed: string[] = urls;
    for (let pass = 0; pass < 6 && missed.length > 0; pass++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      missed = [];
      for (const url of urls) if ((await b.app.inject({ url })).headers['x-cache'] !== 'hit') missed.push(url);
    }
    t.same(missed, [], 'every URL is cached');
    return keys;
  }
  async function check(what: string, key: string, write: () => Promise<{ statusCode: number }>, alsoCarrying?: string) {
    const keys = await warm();
    const carrying = urls.filter((url) => keys.get(url)!.includes(key) && (alsoCarrying === undefined || keys.get(url)!.includes(alsoCarrying)));
    t.ok(carrying.length > 0, `${what}: some response carries ${key}`);
    t.ok((await write()).statusCode < 300, `${what} succeeds`);
    for (const url of carrying) t.not((await b.app.inject({ url })).headers['x-cache'], 'hit', `${what}: ${url} (carrying ${key}) is evicted`);
  }
  await check('an article edit', `article-${seed.id}`, () =>
    b.app.inject({ method: 'PATCH', url: `/v1/articles/${seed.id}`, headers: editor, payload: { summary: 'Edited' } }),
  );
  await check('a published article edit', 'articles', () =>
    b.app.inject({ method: 'PATCH', url: `/v1/articles/${other.id}`, headers: editor, payload: { headline: 'Edited headline' } }),
  );
  await check('a byline edit', `author-${seed.authors[0].id}`, () =>
    b.app.inject({ method: 'PATCH', url: `/v1/authors/${seed.authors[0].id}`, headers: editor, payload: { title: 'Senior reporter' } }),
  );
  await check('an image edit', `image-${seed.leadImage.id}`, () =>
    b.app.inject({ method: 'PATCH', url: `/v1/images/${seed.leadImage.id}`, headers: editor, payload: { alt: 'New alt text' } }),
  );
  await check('a section rename', `section-${seed.section.id}`, () =>
    b.app.inject({ method: 'PATCH', url: `/v1/sections/${seed.section.id}`, headers: editor, payload: { name: 'Renamed' } }),
  );
  // A tag's name never changes (tags come and go with their articles): a tag joining an
  // article changes the lists by that tag and its count, not another article that shows it
  // (a CDN purging the tag's key purges that too: more than needed, never less).
  const tag = seed.tags[0];
  await check(
    'a tag added to a public article',
    `tag-${tag.slug}`,
    () => b.app.inject({ method: 'PATCH', url: `/v1/articles/${other.id}`, headers: editor, payload: { tags: [tag.name] } }),
    'articles',
  );
  const tagged = await b.app.inject({ url: '/v1/tags' });
  t.equal(tagged.json().data.find((x: { slug: string }) => x.slug === tag.slug).articleCount, 2, 'the count is made afresh');
  // A draft's save names nothing public: every cached response stays.
  await warm();
  const draft = await addArticle(b, { status: 'draft' });
  const saved = await b.app.inject({ method: 'PATCH', url: `/v1/articles/${draft.id}`, headers: editor, payload: { summary: 'Draft' } });
  t.equal(saved.statusCode, 200);
  for (const url of urls) t.equal((await b.app.inject({ url })).headers['x-cache'], 'hit', `a draft save: ${url} stays`);
});
