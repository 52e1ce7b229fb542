// Full-text search on SQLite: the contentless FTS5 table `articles_search`
// (migrations/sqlite/0004_search_text_once.sql, kept in step by triggers that extract the
// body's text from its JSON), bm25 with headline 10, subheadline 5, summary 3, body 1, within
// windows of 4,096 articles (see SearchEngine.window).
import { sql, type SQL } from 'drizzle-orm';
import type { Q } from '../../db/database.ts';
import { sqliteDialect } from '../../db/dialects/sqlite.ts';
import type { SearchEngine } from './search.ts';
import { queryWords } from './search.ts';

export const sqliteSearch: SearchEngine = {
  /**
   * Each word becomes a quoted FTS5 string, so `"`, `NEAR`, `col:`, `*`, `^`, `AND`/`OR`/`NOT`
   * typed by a user are searched as words or ignored, never parsed as syntax.
   */
  matchQuery(text) {
    const q = queryWords(text);
    if (!q) return null;
    return q.words.map((w, i) => `"${w}"${q.prefixLast && i === q.words.length - 1 ? '*' : ''}`).join(' ');
  },
  matches(match) {
    return sql`f.article_id in (select a.id from articles a
      where a.seq in (select rowid from articles_search where articles_search match ${match}))`;
  },
  window: 4096,
  candidates(q: Q, match: string, span: { from: number; to: number; window: number }, after: { r: number; s: number } | undefined, batch: number) {
    const w = sql.raw(String(span.window));
    // The rowid bounds are passed into the FTS5 table (xBestIndex), which then reads only that
    // part of each doclist: bm25 is computed for the window's hits alone.
    const page = after ? sql`where w < ${Math.floor(after.s / span.window)} or (w = ${Math.floor(after.s / span.window)} and (rank, seq) > (${after.r}, ${after.s}))` : sql``;
    return sqliteDialect.all<{ seq: number; rank: number }>(q, sql`
      select seq, rank from (
        select rowid as seq, rowid / ${w} as w, bm25(articles_search, 10.0, 5.0, 3.0, 1.0) as rank
        from articles_search where articles_search match ${match} and rowid >= ${span.from} and rowid < ${span.to}
      ) ${page}
      order by w desc, rank, seq
      limit ${batch}`);
  },
  indexColumns: () => ({}),
};

export type { SQL };
