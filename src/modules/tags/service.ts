import { z } from 'zod';
import { decodeCursor, type Page, pageFrom } from '../../http/pagination.ts';
import type { TagRepository } from './repository.ts';
import type { TagDto } from './schemas.ts';

const TagCursor = z.object({ s: z.string() });

export function createTagService({ tags, now = Date.now }: { tags: TagRepository; now?: () => number }) {
  return {
    async list(query: { limit: number; cursor?: string }, hasToken: boolean): Promise<Page<TagDto>> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, TagCursor).s;
      const rows = await tags.list({ publicOnly: !hasToken, now: now(), afterSlug: after, limit: query.limit + 1 });
      return pageFrom(rows, query.limit, (last) => ({ s: last.slug }), (row) => row);
    },
  };
}

export type TagService = ReturnType<typeof createTagService>;
