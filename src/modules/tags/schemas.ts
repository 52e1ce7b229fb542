import { z } from 'zod';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';

export const TagRefSchema = z.object({ slug: z.string(), name: z.string() }).meta({ id: 'TagRef' });

export const TagSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    articleCount: z.number().int().describe('Articles with this tag (public ones only, without a token)'),
  })
  .meta({ id: 'Tag' });

export const TagListSchema = pageOf(TagSchema, 'TagList');

export const TagListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

export type TagDto = z.infer<typeof TagSchema>;
