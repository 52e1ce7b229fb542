// The strong ETag of an article representation, and the If-Match comparison.
import { etagOf } from '../../http/caching.ts';
import type { ArticleDto } from './schemas.ts';

/** The strong ETag of an article representation (of its JSON text as sent). */
export function articleEtag(article: ArticleDto): string {
  return etagOf(JSON.stringify(article));
}

/** Strong comparison (RFC 9110 §13.1.1): `*`, or one of the listed tags exactly. */
export function ifMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((c) => c.trim() === etag);
}
