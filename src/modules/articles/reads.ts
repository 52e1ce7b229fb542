// Reading articles: one by id or slug, and lists (filters, cursors, search). Public reads are
// answered from stored documents (documents.ts) as JSON text; what has no usable document is
// assembled (assemble.ts), sent, and its document stored for the next read.
import { z } from 'zod';
import { BadRequestError, NotFoundError, UnauthorizedError, UnprocessableError } from '../../http/errors.ts';
import { decodeCursor, encodeCursor } from '../../http/pagination.ts';
import type { AuthorRepository } from '../authors/repository.ts';
import type { SectionService } from '../sections/service.ts';
import type { TagRepository } from '../tags/repository.ts';
import { articleCacheDeps, type Assemble, hiddenLinks, isPublicAt, showsTokenOnlyLinks } from './assemble.ts';
import { type ArticleDocuments, type DocumentRow, fullJson, type SummaryRow, usable } from './documents.ts';
import { etagOf } from '../../http/caching.ts';
import { articleEtag } from './etag.ts';
import type { FeedFilter, FeedRepository } from './feed-repository.ts';
import type { ArticleRepository, ArticleRow } from './repository.ts';
import type { ArticleDto, ArticleListQueryInput, ArticleSummaryDto, StoredBlock } from './schemas.ts';
import { bodyText, highlight } from './search.ts';

const ListCursor = z.union([
  z.object({ k: z.enum(['p', 'u']), v: z.number().int(), id: z.string() }),
  z.object({ k: z.literal('r'), r: z.number(), s: z.number().int() }),
]);

interface PageInfo {
  limit: number;
  nextCursor: string | null;
}

/** A representation ready to send: its JSON text, strong ETag and cache keys. */
export interface Rendered {
  json: string;
  etag: string;
  deps: string[];
}

export interface ReadDeps {
  articles: ArticleRepository;
  documents: ArticleDocuments;
  feed: FeedRepository;
  sections: SectionService;
  authors: AuthorRepository;
  tags: TagRepository;
  assemble: Assemble;
  now: () => number;
}

/** A stored document from a full article assembled for the public at `at`. */
function documentOf(article: ArticleDto, doc: DocumentRow): { summary: string; body: string | null; validUntil: number | null; shared: boolean } {
  const { body, ...summary } = article;
  const bodyJson = JSON.stringify(body);
  const hidden = hiddenLinks(article);
  return {
    summary: JSON.stringify(summary),
    // The stored body is spliced in as it is when it reads the same (no image blocks to fill).
    body: bodyJson === doc.storedBody ? null : bodyJson,
    validUntil: hidden && Number.isFinite(hidden.until) ? hidden.until : null,
    shared: hidden === undefined,
  };
}

export function createArticleReads(deps: ReadDeps) {
  const { now, assemble, documents } = deps;

  function visibleOrNotFound<T extends Pick<ArticleRow, 'status' | 'publishedAt'>>(row: T | undefined, hasToken: boolean, at = now()): T {
    if (!row || (!hasToken && !isPublicAt(row, at))) throw new NotFoundError('Article');
    return row;
  }

  /** Stores the document of a public article just assembled, unless a token saw more than the public would. */
  function keep(article: ArticleDto, doc: DocumentRow, hasToken: boolean, at: number): void {
    if (doc.gen === null || !isPublicAt(doc, at) || (hasToken && showsTokenOnlyLinks(article))) return;
    documents.store({ articleId: doc.id, gen: doc.gen, etag: articleEtag(article), deps: articleCacheDeps(article), ...documentOf(article, doc) });
  }

  async function render(doc: DocumentRow | undefined, hasToken: boolean): Promise<Rendered> {
    const at = now();
    visibleOrNotFound(doc, hasToken, at);
    if (isPublicAt(doc!, at) && usable(doc!, at, hasToken)) {
      return { json: fullJson(doc!), etag: doc!.etag!, deps: doc!.deps!.split(' ') };
    }
    const row = visibleOrNotFound(await deps.articles.findById(doc!.id), hasToken, at);
    const article = (await assemble([row], hasToken, true, at))[0] as ArticleDto;
    keep(article, doc!, hasToken, at);
    return { json: JSON.stringify(article), etag: articleEtag(article), deps: articleCacheDeps(article) };
  }

  /**
   * Summaries for ids as JSON texts, from documents where they can answer (`known`: those the
   * list query brought along; else they are looked up).
   */
  async function summaries(ids: string[], hasToken: boolean, known?: Map<string, SummaryRow>): Promise<{ texts: Map<string, string>; etags: Map<string, string>; deps: string[] }> {
    const at = now();
    const docs = known ?? (await documents.summaries(ids));
    const texts = new Map<string, string>();
    const etags = new Map<string, string>();
    const cacheDeps: string[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const doc = docs.get(id);
      if (doc && doc.publicAt !== null && doc.publicAt <= at && usable(doc, at, hasToken)) {
        texts.set(id, doc.summary!);
        etags.set(id, doc.etag!);
        cacheDeps.push(...doc.deps!.split(' '));
      } else missing.push(id);
    }
    if (missing.length > 0) {
      // Assembled whole (with the body), so that the public ones' documents can be stored.
      const [rows, lookups] = await deps.articles.concurrently([() => deps.articles.findByIds(missing), () => documents.byIdsFull(missing)] as const);
      const built = (await assemble(rows, hasToken, true, at)) as ArticleDto[];
      for (const article of built) {
        const doc = lookups.get(article.id);
        if (doc) keep(article, doc, hasToken, at);
        const { body: _body, ...summary } = article;
        texts.set(article.id, JSON.stringify(summary));
        etags.set(article.id, articleEtag(article));
        cacheDeps.push(...articleCacheDeps(article));
      }
    }
    return { texts, etags, deps: cacheDeps };
  }

  const unknownFilter = (field: string, what: string) =>
    new UnprocessableError(`No ${what} matches the \`${field}\` filter.`, [{ in: 'query', path: field, message: `No such ${what}` }]);

  /** The feed keys a list query selects (`all` when it has no filter), checking each filter exists. */
  async function listKeys(query: ArticleListQueryInput, hasToken: boolean, at: number): Promise<string[]> {
    const keys: string[] = [];
    if (query.section !== undefined) {
      const section = await deps.sections.resolve(query.section);
      if (!section) throw unknownFilter('section', 'section');
      keys.push(`section:${section.id}`);
    }
    if (query.author !== undefined) {
      const author = await deps.authors.findByIdOrSlug(query.author);
      if (!author) throw unknownFilter('author', 'author');
      keys.push(`author:${author.id}`);
    }
    if (query.tag !== undefined) {
      const tag = await deps.tags.findBySlug(query.tag);
      const visible =
        tag && (hasToken || (await deps.feed.list({ keys: [`tag:${tag.id}`], publicOnly: true, now: at }, { column: 'published', descending: true, limit: 1 })).length > 0);
      if (!tag || !visible) throw unknownFilter('tag', 'tag');
      keys.push(`tag:${tag.id}`);
    }
    if (query.language !== undefined) keys.push(`language:${query.language}`);
    if (query.status === 'draft' || query.status === 'archived' || query.status === 'scheduled') keys.push(`status:${query.status}`);
    if (keys.length === 0) keys.push('all');
    return keys;
  }

  return {
    /** The full article as the caller may see it (a DTO: for writes and their checks). */
    async get(id: string, hasToken: boolean): Promise<ArticleDto> {
      return (await assemble([visibleOrNotFound(await deps.articles.findById(id), hasToken)], hasToken, true))[0] as ArticleDto;
    },

    /** The full article by id, ready to send. */
    async renderById(id: string, hasToken: boolean): Promise<Rendered> {
      return render(await documents.byId(id), hasToken);
    },

    /** The full article by slug, ready to send. */
    async renderBySlug(slug: string, hasToken: boolean): Promise<Rendered> {
      return render(await documents.bySlug(slug), hasToken);
    },

    /**
     * The newest public articles, whole (with bodies), for the outputs made from them (feeds):
     * the filters of `GET /v1/articles` (section with its subsections, author, tag, language)
     * as the public sees them, whatever token the caller holds. `deps`: what they show (the
     * lists and every article's keys), for the response cache.
     */
    async publicArticles(
      filter: Pick<ArticleListQueryInput, 'section' | 'author' | 'tag' | 'language'>,
      limit: number,
    ): Promise<{ articles: ArticleDto[]; deps: string[] }> {
      const page = await this.list({ ...filter, limit } as ArticleListQueryInput, false);
      const ids = (JSON.parse(page.json) as { data: { id: string }[] }).data.map((a) => a.id);
      const articles: ArticleDto[] = [];
      const shown = new Set(page.deps);
      // Every article's document in one query, not one lookup per article.
      const docs = await documents.byIdsFull(ids);
      for (const id of ids) {
        try {
          const rendered = await render(docs.get(id), false);
          articles.push(JSON.parse(rendered.json) as ArticleDto);
          for (const dep of rendered.deps) shown.add(dep);
        } catch (error) {
          // Deleted or unpublished between the two reads: left out.
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      return { articles, deps: [...shown] };
    },

    /**
     * One page of a list as JSON text (`{ data, page }`), with the lists and keys it shows and
     * its strong ETag: made from its articles' ETags, snippets and page, so that the page's
     * bytes need not be hashed (the same bytes always get the same ETag, other bytes another).
     */
    async list(query: ArticleListQueryInput, hasToken: boolean): Promise<{ json: string; etag: string; page: PageInfo; deps: string[] }> {
      if (query.status !== undefined && !hasToken) throw new UnauthorizedError('The `status` filter needs a token.');
      const at = now();
      const keys = await listKeys(query, hasToken, at);
      const lists = keys.map((key) => `feed:${key}`);
      const filter: FeedFilter = {
        keys,
        publicOnly: !hasToken,
        now: at,
        status: query.status,
        publishedAfter: query.publishedAfter,
        publishedBefore: query.publishedBefore,
      };
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ListCursor);
      const limit = query.limit;
      const empty = (page: PageInfo) => {
        const json = JSON.stringify({ data: [], page });
        return { json, etag: etagOf(json), page, deps: lists };
      };
      let match: string | undefined;
      if (query.q !== undefined) {
        match = deps.feed.matchQuery(query.q) ?? undefined;
        if (match === undefined) return empty({ limit, nextCursor: null });
        filter.match = match;
      }

      let ids: string[];
      let known: Map<string, SummaryRow> | undefined;
      let nextCursor: string | null = null;
      if (match !== undefined && query.sort === undefined) {
        if (cursor && cursor.k !== 'r') throw badCursor();
        const hits = await deps.feed.search({ ...filter, match }, cursor?.k === 'r' ? { r: cursor.r, s: cursor.s } : undefined, limit + 1);
        const page = hits.slice(0, limit);
        const last = page.at(-1);
        if (hits.length > limit && last) nextCursor = encodeCursor({ k: 'r', r: last.rank, s: last.seq });
        ids = page.map((h) => h.articleId);
      } else {
        const sort = query.sort ?? '-publishedAt';
        const kind = sort.endsWith('publishedAt') ? 'p' : 'u';
        if (cursor && cursor.k !== kind) throw badCursor();
        const rows = await deps.feed.list(filter, {
          column: kind === 'p' ? 'published' : 'updated',
          descending: sort.startsWith('-'),
          after: cursor && cursor.k === kind ? { v: cursor.v, id: cursor.id } : undefined,
          limit: limit + 1,
        }, { documents: true });
        const page = rows.slice(0, limit);
        known = new Map(page.map((r) => [r.articleId, r.document!]));
        const last = page.at(-1);
        if (rows.length > limit && last) nextCursor = encodeCursor({ k: kind, v: last.v, id: last.articleId });
        ids = page.map((r) => r.articleId);
      }

      const page: PageInfo = { limit, nextCursor };
      if (ids.length === 0) return empty(page);
      const { texts, etags, deps: shown } = await summaries(ids, hasToken, known);
      const listed = ids.filter((id) => texts.has(id));
      // Each hit with its matching passage, the `snippet` field last (as the schema has it).
      const snippets = new Map<string, string>();
      if (match !== undefined && query.q !== undefined) {
        for (const row of await deps.articles.findByIds(listed)) {
          const snippet = highlight([bodyText(row.body as StoredBlock[]), row.summary, row.subheadline, row.headline], query.q);
          if (snippet !== null) snippets.set(row.id, JSON.stringify(snippet));
        }
      }
      const items = listed.map((id) => {
        const snippet = snippets.get(id);
        const text = texts.get(id)!;
        return snippet === undefined ? text : `${text.slice(0, -1)},"snippet":${snippet}}`;
      });
      const pageJson = JSON.stringify(page);
      const etag = etagOf(`${listed.map((id) => `${etags.get(id)}${snippets.get(id) ?? ''}`).join(',')}|${pageJson}`);
      return { json: `{"data":[${items.join(',')}],"page":${pageJson}}`, etag, page, deps: [...lists, ...new Set(shown)] };
    },
  };
}

function badCursor() {
  return new BadRequestError('The cursor belongs to a list with another order.', [
    { in: 'query', path: 'cursor', message: 'Invalid cursor for this sort order' },
  ]);
}

export type ArticleReads = ReturnType<typeof createArticleReads>;

export type { ArticleSummaryDto };
