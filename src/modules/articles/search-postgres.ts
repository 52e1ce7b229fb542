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

const ASCII_TEXT = /^[\x00-\x7f]*$/;
const ASCII_WORD = /[a-z0-9]+/g;
/** The text's words, folded, one space apart (ASCII text: lower-cased at once, the same result faster). */
const words = (text: string | null) => {
  if (!text) return '';
  if (ASCII_TEXT.test(text)) return (text.toLowerCase().match(ASCII_WORD) ?? []).join(' ');
  return (text.match(WORD) ?? []).map(foldWord).join(' ');
};

/** The folded words of each weight (A headline, B subheadline and summary, C body), as indexed. */
export function searchWords(row: { headline: string; subheadline: string | null; summary: string | null; bodyText: string }): { a: string; b: string; c: string } {
  return { a: words(row.headline), b: `${words(row.subheadline)} ${words(row.summary)}`, c: words(row.bodyText) };
}

// Letters only or digits only: a mix can be split by PostgreSQL's parser (`0e0a` is the
// number `0e0` and the word `a`), so it is left to PostgreSQL.
const PLAIN_WORD = /^(?:[a-z]{1,100}|[0-9]{1,100})$/;
/** Positions PostgreSQL keeps (16383 at most; 255 per lexeme in to_tsvector). */
const MAX_POSITION = 16_383;
const MAX_POSITIONS_PER_LEXEME = 255;

/**
 * The text form of the vector SEARCH_VECTOR_SQL makes from the same three texts, built in JS
 * (an import sends it with COPY instead of having PostgreSQL run to_tsvector on every body):
 * positions count words from 1 in each text, shifted past the previous texts' last position
 * (what `||` does), weighted A, B, C. Only for what is certain to tokenize as it is split here
 * (words of ASCII letters only or digits only, well inside PostgreSQL's position limits); null otherwise, and
 * the caller lets PostgreSQL make that one (test/modules/transfer/search-vector.test.ts
 * compares the two on PostgreSQL).
 */
export function searchVectorText(w: { a: string; b: string; c: string }): string | null {
  const lexemes = new Map<string, { text: string; count: number }>();
  let last = 0;
  for (const [text, weight] of [[w.a, 'A'], [w.b, 'B'], [w.c, 'C']] as const) {
    const list = text.split(' ').filter((x) => x !== '');
    if (last + list.length >= MAX_POSITION) return null;
    for (let i = 0; i < list.length; i++) {
      const word = list[i]!;
      if (!PLAIN_WORD.test(word)) return null;
      const position = `${last + i + 1}${weight}`;
      const entry = lexemes.get(word);
      if (!entry) lexemes.set(word, { text: `'${word}':${position}`, count: 1 });
      else if (++entry.count > MAX_POSITIONS_PER_LEXEME) return null;
      else entry.text += `,${position}`;
    }
    last += list.length;
  }
  let out = '';
  for (const entry of lexemes.values()) out += out === '' ? entry.text : ` ${entry.text}`;
  return out;
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
