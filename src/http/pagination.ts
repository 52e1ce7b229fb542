// Keyset pagination: opaque cursors (base64url JSON of the last item's sort key), the
// `{ data, page }` envelope and the `Link: <…>; rel="next"` header.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequestError } from './errors.ts';

export const limitParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .describe('Items per page (1–100).');

export const cursorParam = z
  .string()
  .min(1)
  .max(1024)
  .optional()
  .describe('Opaque cursor from `page.nextCursor` (or the `Link` header) of the previous page.');

export const PageInfoSchema = z
  .object({
    limit: z.number().int(),
    nextCursor: z.string().nullable().describe('Cursor of the next page; null on the last page'),
  })
  .meta({ id: 'PageInfo' });

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), page: PageInfoSchema }).meta({ id });
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new BadRequestError('The cursor is not valid for this list.', [
      { in: 'query', path: 'cursor', message: 'Invalid cursor; use the nextCursor of the previous page with the same query' },
    ]);
  }
  return parsed.data;
}

/** Sets `Link: <…>; rel="next"` (absolute, from CMS_PUBLIC_URL or the request's Host). */
export function setNextLink(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null, publicUrl?: string) {
  if (nextCursor === null) return;
  const origin = publicUrl ?? `${request.protocol}://${request.host}`;
  const url = new URL(request.url, origin.endsWith('/') ? origin : `${origin}/`);
  url.searchParams.set('cursor', nextCursor);
  reply.header('link', `<${url.toString()}>; rel="next"`);
}

export interface Page<T> {
  data: T[];
  page: { limit: number; nextCursor: string | null };
}

/**
 * A page from `limit + 1` rows fetched past the cursor: the extra row only says that a next
 * page exists; the cursor is made from the last row shown.
 */
export function pageFrom<R, T>(rows: R[], limit: number, cursorOf: (last: R) => unknown, map: (row: R) => T): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    data: shown.map(map),
    page: { limit, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null },
  };
}
