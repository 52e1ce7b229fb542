import { z } from 'zod';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';

export const AuthorSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    title: z.string().nullable().describe('Job title shown with the byline, e.g. `Reporter`'),
    bio: z.string().nullable(),
  })
  .meta({ id: 'Author', description: 'A byline' });

export const AuthorRefSchema = AuthorSchema.omit({ bio: true }).meta({
  id: 'AuthorRef',
  description: 'A byline as shown on an article',
});

export const AuthorListSchema = pageOf(AuthorSchema, 'AuthorList');

export const AuthorListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

export type AuthorDto = z.infer<typeof AuthorSchema>;
export type AuthorRefDto = z.infer<typeof AuthorRefSchema>;
