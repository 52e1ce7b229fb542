import { z } from 'zod';
import { NotFoundError } from '../../http/errors.ts';
import { decodeCursor, type Page, pageFrom } from '../../http/pagination.ts';
import type { AuthorRepository, AuthorRow } from './repository.ts';
import type { AuthorDto, AuthorRefDto } from './schemas.ts';

const AuthorCursor = z.object({ s: z.string() });

export function toAuthorDto(row: AuthorRow): AuthorDto {
  return { id: row.id, slug: row.slug, name: row.name, email: row.email, title: row.title, bio: row.bio };
}

export function toAuthorRef(row: AuthorRow): AuthorRefDto {
  return { id: row.id, slug: row.slug, name: row.name, email: row.email, title: row.title };
}

export function createAuthorService({ authors }: { authors: AuthorRepository }) {
  return {
    list(query: { limit: number; cursor?: string }): Page<AuthorDto> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, AuthorCursor).s;
      const rows = authors.list({ afterSlug: after, limit: query.limit + 1 });
      return pageFrom(rows, query.limit, (last) => ({ s: last.slug }), toAuthorDto);
    },
    get(id: string): AuthorDto {
      const row = authors.findById(id);
      if (!row) throw new NotFoundError('Author');
      return toAuthorDto(row);
    },
    getBySlug(slug: string): AuthorDto {
      const row = authors.findBySlug(slug);
      if (!row) throw new NotFoundError('Author');
      return toAuthorDto(row);
    },
  };
}

export type AuthorService = ReturnType<typeof createAuthorService>;
