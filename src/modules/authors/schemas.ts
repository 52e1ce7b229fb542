import { z } from 'zod';
import { slugSchema } from '../../http/common-schemas.ts';
import { line, text } from '../../http/input.ts';
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
  .meta({
    id: 'Author',
    description: 'A byline',
    examples: [
      { id: '01936f6e-5a1d-7f00-8a11-4b2c3d4e5f60', slug: 'lim-jeong-won', name: 'Lim Jeong-won', email: 'lim.jeongwon@joongang.co.kr', title: null, bio: null },
    ],
  });

export const AuthorRefSchema = AuthorSchema.omit({ bio: true }).meta({
  id: 'AuthorRef',
  description: 'A byline as shown on an article',
});

export const AuthorListSchema = pageOf(AuthorSchema, 'AuthorList');

export const AuthorListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

export type AuthorDto = z.infer<typeof AuthorSchema>;
export type AuthorRefDto = z.infer<typeof AuthorRefSchema>;

export const authorFields = {
  name: line(200),
  slug: slugSchema.describe('Made from the name when absent; unique'),
  email: z.email().max(320).nullable(),
  title: line(200).nullable(),
  bio: text(5000).nullable(),
};

export const AuthorCreateSchema = z
  .strictObject({
    name: authorFields.name,
    slug: authorFields.slug.optional(),
    email: authorFields.email.optional(),
    title: authorFields.title.optional(),
    bio: authorFields.bio.optional(),
  })
  .meta({ id: 'AuthorCreate', examples: [{ name: 'Lim Jeong-won', email: 'lim.jeongwon@joongang.co.kr' }] });

export const AuthorPatchSchema = z
  .strictObject({
    name: authorFields.name.optional(),
    slug: authorFields.slug.optional(),
    email: authorFields.email.optional(),
    title: authorFields.title.optional(),
    bio: authorFields.bio.optional(),
  })
  .meta({ id: 'AuthorPatch' });

export type AuthorCreateInput = z.output<typeof AuthorCreateSchema>;
export type AuthorPatchInput = z.output<typeof AuthorPatchSchema>;
