// Full-text search on PostgreSQL: the weighted `tsvector` column `articles.search` (GIN
// index), written with each article: headline A, subheadline and summary B, body C. The text
// is cut into words and folded (case, diacritics) here, exactly as the SQLite tokenizer and
// the snippet highlighter do, and indexed with the `simple` configuration (no stemming), so
// both engines find the same articles for the same words. Ranked by ts_rank with weights
// 1.0 / 0.4 / 0.1, negated so that, as with bm25, lower sorts first.
import { sql } from 'drizzle-orm';
import type { Q } from '../../db/database.ts';
import { postgresDialect } from '../../db/dialects/postgres.ts';
import type { SearchEngine } from './search.ts';
import { bodyText, foldWord, queryWords, WORD } from './search.ts';
import type { StoredBlock } from './schemas.ts';

const words = (text: string | null) => (text?.match(WORD) ?? []).map(foldWord).join(' ');

/** The folded words of each weight (A headline, B subheadline and summary, C body), as indexed. */
export function searchWords(row: { headline: string; subheadline: string | null; summary: string | null; bodyText: string }): { a: string; b: string; c: string } {
  return { a: words(row.headline), b: `${words(row.subheadline)} ${words(row.summary)}`, c: words(row.bodyText) };
}

/** The search vector made from searchWords' three texts (the SQL that indexColumns and imports share). */
export const SEARCH_VECTOR_SQL = (a: string, b: string, c: string) =>
  `setweight(to_tsvector('simple', ${a}), 'A') || setweight(to_tsvector('simple', ${b}), 'B') || setweight(to_tsvector('simple', ${c}), 'C')`;
const rank = sql.raw(`-ts_rank('{0, 0.1, 0.4, 1.0}', a.search, to_tsquery('simple', `);

export const postgresSearch: SearchEngine = {
  /** A tsquery of quoted, folded words (letters, digits only: nothing a user types is syntax). */
  matchQuery(text) {
    const q = queryWords(text);
    if (!q) return null;
    return q.words.map((w, i) => `'${foldWord(w)}'${q.prefixLast && i === q.words.length - 1 ? ':*' : ''}`).join(' & ');
  },
  matches(match) {
    return sql`f.article_id in (select a.id from articles a where a.search @@ to_tsquery('simple', ${match}))`;
  },
  window: 1024,
  candidates(q: Q, match: string, span: { from: number; to: number; window: number }, after: { r: number; s: number } | undefined, batch: number) {
    const w = sql.raw(String(span.window));
    const page = after
      ? sql`where w < ${Math.floor(after.s / span.window)} or (w = ${Math.floor(after.s / span.window)} and (rank, seq) > (${after.r}::real, ${after.s}))`
      : sql``;
    return postgresDialect.all<{ seq: number; rank: number }>(q, sql`
      select seq, rank from (
        select a.seq as seq, a.seq / ${w} as w, ${rank}${match})) as rank
        from articles a where a.search @@ to_tsquery('simple', ${match}) and a.seq >= ${span.from} and a.seq < ${span.to}
      ) hits ${page}
      order by w desc, rank, seq
      limit ${batch}`);
  },
  indexColumns(row) {
    const w = searchWords({ ...row, bodyText: bodyText(row.body) });
    return {
      search: sql`setweight(to_tsvector('simple', ${w.a}), 'A')
        || setweight(to_tsvector('simple', ${w.b}), 'B')
        || setweight(to_tsvector('simple', ${w.c}), 'C')`,
    };
  },
};
