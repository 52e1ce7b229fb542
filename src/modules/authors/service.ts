import { z } from 'zod';
import { NotFoundError } from '../../http/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../http/pagination.ts';
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
      const data = rows.slice(0, query.limit);
      const last = data.at(-1);
      return {
        data: data.map(toAuthorDto),
        page: { limit: query.limit, nextCursor: rows.length > query.limit && last ? encodeCursor({ s: last.slug }) : null },
      };
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
