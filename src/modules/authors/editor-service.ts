// Author (byline) writes. Editor role or higher.
import { uuidv7 } from 'uuidv7';
import { ConflictError, NotFoundError } from '../../http/errors.ts';
import { slugFrom } from '../articles/slugs.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import type { AuthorRepository } from './repository.ts';
import type { AuthorCreateInput, AuthorDto, AuthorPatchInput } from './schemas.ts';
import { toAuthorDto } from './service.ts';

export function createAuthorEditor({ authors, now = Date.now }: { authors: AuthorRepository; now?: () => number }) {
  function claimSlug(slug: string, selfId?: string): string {
    const other = authors.findBySlug(slug);
    if (other && other.id !== selfId) {
      throw new ConflictError(`The slug \`${slug}\` is taken by another author.`, [{ in: 'body', path: 'slug', message: 'Slug already in use' }]);
    }
    return slug;
  }

  return {
    create(input: AuthorCreateInput, principal: Principal): AuthorDto {
      requireRoleOf(principal, 'editor');
      return authors.transaction(() => {
        const id = uuidv7();
        const slug = claimSlug(input.slug ?? (slugFrom(input.name) || `author-${id.slice(-8)}`));
        const at = now();
        authors.insert({
          id,
          slug,
          name: input.name,
          email: input.email ?? null,
          title: input.title ?? null,
          bio: input.bio ?? null,
          createdAt: at,
          updatedAt: at,
        });
        return toAuthorDto(authors.findById(id)!);
      });
    },

    patch(id: string, input: AuthorPatchInput, principal: Principal): AuthorDto {
      return authors.transaction(() => {
        const author = authors.findById(id);
        if (!author) throw new NotFoundError('Author');
        requireRoleOf(principal, 'editor');
        authors.update(id, {
          ...input,
          ...(input.slug !== undefined ? { slug: claimSlug(input.slug, id) } : {}),
          updatedAt: now(),
        });
        return toAuthorDto(authors.findById(id)!);
      });
    },

    delete(id: string, principal: Principal): void {
      authors.transaction(() => {
        if (!authors.findById(id)) throw new NotFoundError('Author');
        requireRoleOf(principal, 'editor');
        const bylines = authors.bylineCount(id);
        if (bylines > 0) throw new ConflictError(`The author is still on ${bylines} byline(s).`);
        authors.delete(id);
      });
    },
  };
}

export type AuthorEditor = ReturnType<typeof createAuthorEditor>;
