// What a reader types, made safe for the search engines (search-sqlite.ts: FTS5;
// search-postgres.ts: tsvector), and the snippets of hits as HTML.
//
// User text is never passed to the engine as is: it is cut into words (letters, digits and
// combining marks) and each engine quotes every word. The last word also matches as a prefix
// (search-as-you-type), unless the text ends in a space.
import type { SQL } from 'drizzle-orm';
import type { Q } from '../../db/database.ts';
import type { StoredBlock } from './schemas.ts';

/** Plain text of the body, for full-text search and snippets (control characters removed). */
export function bodyText(blocks: StoredBlock[]): string {
  const parts = blocks.flatMap((b) => {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
        return [b.text];
      case 'quote':
        return [b.text, b.attribution ?? ''];
      case 'list':
        return b.items;
      case 'image':
        return [b.caption ?? ''];
      case 'embed':
        return [];
    }
  });
  return parts.filter(Boolean).join('\n').replace(/[\u0000-\u0008\u000b-\u001f]/g, ' ');
}

export const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a query (at most 32) and whether the last one is a prefix; null when none. */
export function queryWords(text: string): { words: string[]; prefixLast: boolean } | null {
  const words = text.match(WORD)?.slice(0, 32) ?? [];
  if (words.length === 0) return null;
  return { words, prefixLast: !/\s$/u.test(text) };
}

/** What one engine contributes to search (the rest is shared, in feed-repository.ts). */
export interface SearchEngine {
  /** The engine's query for the user's text, or null when it holds no searchable word. */
  matchQuery(text: string): string | null;
  /** A condition on the driving feed row `f`: its article matches. */
  matches(match: string): SQL;
  /**
   * Articles per ranking window: hits come window by window, newest window first (a window
   * holds the articles whose `seq` have the same `floor(seq / window)`), by rank within each.
   * The engine then ranks the hits of one window per page, whatever the archive's size.
   */
  window: number;
  /**
   * Matching articles with `from <= seq < to` (whole windows of `window` articles), ordered
   * by window (newest first), rank (lower first), then seq; after a cursor in the newest of
   * those windows.
   */
  candidates(q: Q, match: string, span: { from: number; to: number; window: number }, after: { r: number; s: number } | undefined, batch: number): Promise<{ seq: number; rank: number }[]>;
  /** Extra columns an article row is written with (PostgreSQL's search vector). */
  indexColumns(row: { headline: string; subheadline: string | null; summary: string | null; body: StoredBlock[] }): Record<string, SQL>;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const ASCII = /^[\x00-\x7f]*$/;

const fold = (w: string) => w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** A word as the indexes keep it: lower case, without diacritics (as FTS5's remove_diacritics). */
export const foldWord = (w: string): string => fold(w).normalize('NFC');

/**
 * The best passage (the window of about `size` words holding the most query words) of the
 * first of `texts` that matches, HTML-escaped, with the matched words in <mark>. Folding and
 * the last-word prefix follow the FTS5 query made by toMatchQuery, so it marks what matched.
 * Done here rather than with FTS5 `snippet()`, which has to evaluate the whole MATCH again.
 */
export function highlight(texts: (string | null)[], query: string, size = 32): string | null {
  const words = (query.match(WORD)?.slice(0, 32) ?? []).map(fold);
  if (words.length === 0) return null;
  const prefixLast = !/\s$/u.test(query);
  const exact = new Set(prefixLast ? words.slice(0, -1) : words);
  const prefix = prefixLast ? words.at(-1)! : null;
  // Each distinct word is folded once (NFD and a regex per word were most of the cost: a
  // text repeats its words), and a word of ASCII letters only needs lower-casing.
  const seen = new Map<string, boolean>();
  const hit = (token: string) => {
    let h = seen.get(token);
    if (h === undefined) {
      const f = ASCII.test(token) ? token.toLowerCase() : fold(token);
      h = exact.has(f) || (prefix !== null && f.startsWith(prefix));
      seen.set(token, h);
    }
    return h;
  };
  for (const text of texts) {
    if (!text) continue;
    // The words as strings (String#match: far cheaper than a match object per word), each
    // found again from the end of the one before (only non-word characters lie between).
    const found = text.match(WORD);
    if (!found) continue;
    const starts = new Int32Array(found.length);
    const hits = new Uint8Array(found.length);
    let any = false;
    for (let i = 0, pos = 0; i < found.length; i++) {
      const word = found[i]!;
      pos = text.indexOf(word, pos);
      starts[i] = pos;
      pos += word.length;
      if (hit(word)) hits[i] = 1, any = true;
    }
    if (!any) continue;
    const token = (i: number) => ({ start: starts[i]!, end: starts[i]! + found[i]!.length, hit: hits[i] === 1 });
    const tokens = { length: found.length };
    // The window of `size` tokens holding the most hits, then shifted so that its first hit
    // has a few words of context before it.
    let bestEnd = 0;
    let bestCount = -1;
    let count = 0;
    for (let i = 0; i < tokens.length; i++) {
      count += hits[i]!;
      if (i >= size) count -= hits[i - size]!;
      if (count > bestCount) {
        bestCount = count;
        bestEnd = i;
      }
    }
    let firstHit = Math.max(0, bestEnd - size + 1);
    while (hits[firstHit] === 0) firstHit++;
    const best = Math.max(0, Math.min(firstHit - 6, tokens.length - size));
    const window = Array.from({ length: Math.min(size, tokens.length - best) }, (_, i) => token(best + i));
    const last = window.at(-1)!;
    let out = best > 0 ? '…' : '';
    let at = best > 0 ? window[0]!.start : 0;
    for (const t of window) {
      out += escapeHtml(text.slice(at, t.start));
      out += t.hit ? `<mark>${escapeHtml(text.slice(t.start, t.end))}</mark>` : escapeHtml(text.slice(t.start, t.end));
      at = t.end;
    }
    const tail = best + size >= tokens.length ? text.slice(last.end) : '';
    out += escapeHtml(tail.replace(/\s+$/u, ''));
    if (best + size < tokens.length) out += '…';
    return out;
  }
  return null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
