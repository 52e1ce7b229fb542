// Surrogate keys (API.md "Events: sync, cache keys, preview"): one vocabulary for the response
// cache and for CDNs. A route names what its response depends on in `request.cacheDeps` (the
// response cache's keys, response-cache.ts); `surrogateKeysOf` maps those same keys to the
// `Surrogate-Key` header, so what the cache evicts on a write and what a CDN is told to purge
// come from one list, never two that can drift apart.
//
// Internal key → surrogate keys:
//   article:<id>            → article-<id>
//   author:<id>             → author-<id>
//   image:<id>              → image-<id>
//   section:<id>            → section-<id>   (shown only: a section write evicts everything, `*`)
//   tag:<slug>              → tag-<slug>     (shown only: tags change with their articles, whose
//                                             writes name the lists; by slug, as the header wants)
//   feed:section:<id>       → articles section-<id>
//   feed:author:<id>        → articles author-<id>
//   feed:<other list>       → articles        (all, tag:<tagId>, language:…, status:…: a list)
//   public, sections, *     → nothing         (they name no one thing; a route that depends on
//                                             them names what it shows besides)
// API.md names five kinds plus `articles`, so collection routes without an article list
// (sections, authors, images) carry the keys of the items they show and nothing for the
// collection itself: an item added later is picked up when the shared cache's max-age runs out.
const DIRECT: Record<string, string> = { article: 'article', author: 'author', image: 'image', section: 'section', tag: 'tag' };

/** The surrogate keys of one internal cache key. */
function keysOf(dep: string, into: Set<string>): void {
  const colon = dep.indexOf(':');
  if (colon < 0) return; // public, sections, *
  const kind = dep.slice(0, colon);
  const rest = dep.slice(colon + 1);
  if (kind === 'feed') {
    into.add('articles');
    const inner = rest.indexOf(':');
    const listKind = inner < 0 ? rest : rest.slice(0, inner);
    if (listKind === 'section' || listKind === 'author') into.add(`${listKind}-${rest.slice(inner + 1)}`);
    return;
  }
  const surrogate = DIRECT[kind];
  if (surrogate) into.add(`${surrogate}-${rest}`);
}

/** The `Surrogate-Key` value for what a response depends on: space-separated, each key once. */
export function surrogateKeysOf(deps: readonly string[]): string {
  const keys = new Set<string>();
  for (const dep of deps) keysOf(dep, keys);
  return [...keys].join(' ');
}

/** The parts of an article (ArticleSummaryDto) that name sections and tags (src/http imports no module). */
interface ShownArticle {
  section: { id: string };
  breadcrumbs: { id: string }[];
  secondarySections: { id: string }[];
  tags: { slug: string }[];
}

/**
 * What an article shows that its stored cache keys (articleCacheDeps) leave out, because no
 * write names it on its own: its sections (with their ancestors) and its tags. With them the
 * header of an article agrees with articleSurrogateKeys (articles/surrogate-keys.ts), less
 * `articles` (an article is no list).
 */
export function shownDeps(article: ShownArticle): string[] {
  return [
    ...[article.section, ...article.breadcrumbs, ...article.secondarySections].map((s) => `section:${s.id}`),
    ...article.tags.map((t) => `tag:${t.slug}`),
  ];
}

// JSON texts served from stored documents are parsed for shownDeps once per ETag (a strong
// ETag names the bytes, so the same ETag always shows the same sections and tags).
const SHOWN_MEMO_MAX = 5000;
const shownMemo = new Map<string, string[]>();

function memo(etag: string, compute: () => string[]): string[] {
  let deps = shownMemo.get(etag);
  if (deps === undefined) {
    deps = compute();
    if (shownMemo.size >= SHOWN_MEMO_MAX) shownMemo.delete(shownMemo.keys().next().value!);
    shownMemo.set(etag, deps);
  }
  return deps;
}

/** An article's cache keys with what it shows (`deps` from renderById/renderBySlug, its JSON and ETag). */
export function articleDeps(rendered: { json: string; etag: string; deps: string[] }): string[] {
  return [...rendered.deps, ...memo(`a${rendered.etag}`, () => shownDeps(JSON.parse(rendered.json) as ShownArticle))];
}

/** A page of articles' cache keys with what its items show. */
export function articleListDeps(page: { json: string; etag: string; deps: string[] }): string[] {
  return [...page.deps, ...memo(`l${page.etag}`, () => (JSON.parse(page.json) as { data: ShownArticle[] }).data.flatMap(shownDeps))];
}
