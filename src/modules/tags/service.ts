import { z } from 'zod';
import { decodeCursor, encodeCursor, type Page } from '../../http/pagination.ts';
import type { TagRepository } from './repository.ts';
import type { TagDto } from './schemas.ts';

const TagCursor = z.object({ s: z.string() });

export function createTagService({ tags, now = Date.now }: { tags: TagRepository; now?: () => number }) {
  return {
    list(query: { limit: number; cursor?: string }, hasToken: boolean): Page<TagDto> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, TagCursor).s;
      const rows = tags.list({ publicOnly: !hasToken, now: now(), afterSlug: after, limit: query.limit + 1 });
      const data = rows.slice(0, query.limit);
      const last = data.at(-1);
      return {
        data,
        page: { limit: query.limit, nextCursor: rows.length > query.limit && last ? encodeCursor({ s: last.slug }) : null },
      };
    },
  };
}

export type TagService = ReturnType<typeof createTagService>;
