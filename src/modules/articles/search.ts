// Turning what a reader types into a safe FTS5 query, and FTS5 snippets into HTML.
//
// User text is never passed to MATCH as is: it is cut into words (letters, digits and
// combining marks), each word becomes a quoted string, so `"`, `NEAR`, `col:`, `*`, `^`,
// `AND`/`OR`/`NOT` typed by a user are searched as words or ignored, never parsed as syntax.
// The last word also matches as a prefix (search-as-you-type), unless the text ends in a space.

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** An FTS5 query for the user's text, or null when it holds no searchable word. */
export function toMatchQuery(text: string): string | null {
  const words = text.match(WORD)?.slice(0, 32) ?? [];
  if (words.length === 0) return null;
  const prefixLast = !/\s$/u.test(text);
  return words.map((w, i) => `"${w}"${prefixLast && i === words.length - 1 ? '*' : ''}`).join(' ');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes a snippet and turns the \u0001…\u0002 markers into <mark>…</mark>. */
export function snippetToHtml(snippet: string): string {
  return snippet
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replaceAll('\u0001', '<mark>')
    .replaceAll('\u0002', '</mark>');
}
