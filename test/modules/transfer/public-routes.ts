// Every public GET of two apps compared, for the round-trip test ("every public GET then
// answers the same JSON", API.md). The routes come from openapi.yaml: every GET operation a
// caller without a token may use; each gets URLs for every id and slug of the archive, list
// filters and pages (followed by their cursors), feeds with their filters, sitemap month files
// (followed from the index), and so on. A public route the spec gains later and this file does
// not fill in fails the test (`uncovered`).
import fs from 'node:fs';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import YAML from 'yaml';
import type { Built } from '../../helper.ts';
import { ROOT } from '../../process.ts';

/** Path templates of the GET operations that need no token. */
export function publicGetTemplates(): string[] {
  const spec = YAML.parse(fs.readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8'));
  const open = (security: unknown[] | undefined) => (security ?? spec.security ?? []).some((s: object) => Object.keys(s).length === 0);
  return Object.entries(spec.paths as Record<string, { get?: { security?: unknown[] } }>)
    .filter(([, ops]) => ops.get && open(ops.get.security))
    .map(([p]) => p);
}

/** What the archive holds, read from its export (every id and slug, whatever its status). */
export interface Inventory {
  articles: { id: string; slug: string }[];
  sections: { id: string }[];
  authors: { id: string; slug: string }[];
  tags: { slug: string }[];
  images: { id: string }[];
}

export function inventoryOf(lines: string[]): Inventory {
  const of = (kind: string) => lines.map((l) => JSON.parse(l)).filter((v) => v.kind === kind);
  return { articles: of('article'), sections: of('section'), authors: of('author'), tags: of('tag'), images: of('image') };
}

const q = (params: Record<string, string>) => (Object.keys(params).length === 0 ? '' : `?${new URLSearchParams(params).toString()}`);

/**
 * The first URLs of each public route (more are found while crawling: next pages, sitemap
 * months). Keyed by route template, so that every template is known to be covered.
 */
export async function seedUrls(src: Built, inv: Inventory): Promise<Map<string, string[]>> {
  const sectionList = (await src.app.inject({ method: 'GET', url: '/v1/sections?limit=100' })).json().data as { id: string; path: string }[];
  const nobody = uuidv7();
  const ids = (list: { id: string }[]) => [...list.map((x) => x.id), nobody];
  const filters = [
    {},
    { limit: '2' },
    ...sectionList.flatMap((s) => [{ section: s.id }, { section: s.path }]),
    ...inv.authors.flatMap((a) => [{ author: a.id }, { author: a.slug }]),
    ...inv.tags.map((t) => ({ tag: t.slug })),
    ...['en', 'ko', 'pt-BR', 'fr'].map((language) => ({ language })),
    { section: 'national', tag: 'shipping', limit: '1' },
    { section: 'no/such/section' },
    { tag: 'no-such-tag' },
  ] as Record<string, string>[];
  const urls = new Map<string, string[]>([
    ['/health', ['/health']],
    [
      '/v1/articles',
      [
        ...filters.map((f) => `/v1/articles${q(f)}`),
        ...['-publishedAt', 'publishedAt', '-updatedAt', 'updatedAt'].map((sort) => `/v1/articles${q({ sort, limit: '3' })}`),
        `/v1/articles${q({ publishedAfter: '2024-06-01T00:00:00Z' })}`,
        `/v1/articles${q({ publishedBefore: '2025-12-31T00:00:00Z', sort: 'publishedAt' })}`,
        ...['storm', 'ports reopen', 'shipping routes', '항구', 'festival', 'nothing-matches-this'].map((text) => `/v1/articles${q({ q: text })}`),
        `/v1/articles${q({ q: 'storm', sort: '-publishedAt' })}`,
        `/v1/articles${q({ q: 'storm', limit: '1' })}`,
        `/v1/articles${q({ status: 'published' })}`, // a token's filter: 401 for the public, on both
      ],
    ],
    ['/v1/articles/{id}', ids(inv.articles).map((id) => `/v1/articles/${id}`)],
    ['/v1/articles/slug/{slug}', [...inv.articles.map((a) => a.slug), 'no-such-article'].map((slug) => `/v1/articles/slug/${slug}`)],
    ['/v1/articles/{id}/jsonld', ids(inv.articles).map((id) => `/v1/articles/${id}/jsonld`)],
    ['/v1/articles/{id}/ninjs', ids(inv.articles).map((id) => `/v1/articles/${id}/ninjs`)],
    ['/v1/sections', ['/v1/sections', '/v1/sections?limit=3', ...sectionList.map((s) => `/v1/sections${q({ path: s.path })}`), '/v1/sections?path=nowhere']],
    ['/v1/sections/{id}', ids(inv.sections).map((id) => `/v1/sections/${id}`)],
    ['/v1/authors', ['/v1/authors', '/v1/authors?limit=1']],
    ['/v1/authors/{id}', ids(inv.authors).map((id) => `/v1/authors/${id}`)],
    ['/v1/authors/slug/{slug}', [...inv.authors.map((a) => a.slug), 'nobody-at-all'].map((slug) => `/v1/authors/slug/${slug}`)],
    ['/v1/images', ['/v1/images', '/v1/images?limit=1']],
    ['/v1/images/{id}', ids(inv.images).map((id) => `/v1/images/${id}`)],
    ['/v1/images/{id}/file', ids(inv.images).flatMap((id) => [`/v1/images/${id}/file`, `/v1/images/${id}/file?w=320`, `/v1/images/${id}/file?format=webp`])],
    ['/v1/tags', ['/v1/tags', '/v1/tags?limit=2']],
    ...['rss', 'atom', 'json'].map((kind): [string, string[]] => [`/v1/feeds/${kind}`, filters.map((f) => `/v1/feeds/${kind}${q(f)}`)]),
    ['/v1/sitemaps/index.xml', ['/v1/sitemaps/index.xml']],
    ['/v1/sitemaps/articles/{yyyy}-{mm}.xml', ['/v1/sitemaps/articles/2023-01.xml', '/v1/sitemaps/articles/2024-03.xml?page=2']],
    ['/v1/sitemaps/news.xml', ['/v1/sitemaps/news.xml']],
    ['/v1/sync', ['/v1/sync', '/v1/sync?limit=2']],
    ['/v1/preview/{token}', []],
  ]);
  return urls;
}

/** Templates of the spec's public GETs that `urls` has no entry for. */
export function uncovered(urls: Map<string, string[]>): string[] {
  return publicGetTemplates().filter((p) => !urls.has(p));
}

export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Headers that are part of what a public GET answers (not the cache's own `x-cache`, nor `date`). */
const COMPARED = ['content-type', 'etag', 'cache-control', 'link', 'surrogate-key', 'location', 'x-robots-tag', 'content-disposition'];

export async function fetchPublic(b: Built, url: string): Promise<Answer> {
  const res = await b.app.inject({ method: 'GET', url });
  const headers = Object.fromEntries(COMPARED.map((h) => [h, res.headers[h] as string | undefined]));
  // A problem's `requestId` names the request (random, for the logs): the one part of an error
  // that legitimately differs from one app to the other.
  const body = String(headers['content-type']).startsWith('application/problem+json') ? Buffer.from(res.body.replace(/"requestId":"[^"]*"/, '"requestId":"…"')) : res.rawPayload;
  return { status: res.statusCode, headers, body };
}

/** URLs an answer leads to: a list's next page (its `Link`), the sitemap index's month files. */
export function nextUrls(answer: Answer, publicUrl: string): string[] {
  const out: string[] = [];
  const link = answer.headers.link;
  if (link) for (const m of link.matchAll(/<([^>]+)>;\s*rel="next"/g)) out.push(m[1]!);
  if (answer.status === 200 && (answer.headers['content-type'] ?? '').startsWith('application/xml')) {
    for (const m of answer.body.toString('utf8').matchAll(/<sitemap>\s*<loc>([^<]+)<\/loc>/g)) out.push(m[1]!.replaceAll('&amp;', '&'));
  }
  return out.map((u) => (u.startsWith(publicUrl) ? u.slice(publicUrl.length) : u)).filter((u) => u.startsWith('/'));
}

/** Where two answers to one URL differ: '' when they are the same. */
export function difference(a: Answer, b: Answer): string {
  if (a.status !== b.status) return `status ${a.status} ≠ ${b.status}`;
  for (const h of COMPARED) if (a.headers[h] !== b.headers[h]) return `${h}: ${a.headers[h]} ≠ ${b.headers[h]}`;
  if (!a.body.equals(b.body)) {
    const x = a.body.toString('utf8');
    const y = b.body.toString('utf8');
    let i = 0;
    while (i < x.length && x[i] === y[i]) i++;
    return `body differs at ${i}: …${x.slice(Math.max(0, i - 80), i + 120)}… ≠ …${y.slice(Math.max(0, i - 80), i + 120)}…`;
  }
  return '';
}
