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
    async list(query: { limit: number; cursor?: string }): Promise<Page<AuthorDto>> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, AuthorCursor).s;
      const rows = await authors.list({ afterSlug: after, limit: query.limit + 1 });
      return pageFrom(rows, query.limit, (last) => ({ s: last.slug }), toAuthorDto);
    },
    async get(id: string): Promise<AuthorDto> {
      const row = await authors.findById(id);
      if (!row) throw new NotFoundError('Author');
      return toAuthorDto(row);
    },
    async getBySlug(slug: string): Promise<AuthorDto> {
      const row = await authors.findBySlug(slug);
      if (!row) throw new NotFoundError('Author');
      return toAuthorDto(row);
    },
  };
}

export type AuthorService = ReturnType<typeof createAuthorService>;
