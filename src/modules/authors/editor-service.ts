// Author (byline) writes. Editor role or higher.
import { uuidv7 } from 'uuidv7';
import { ConflictError, NotFoundError } from '../../http/errors.ts';
import type { Database } from '../../db/database.ts';
import { slugFrom } from '../articles/slugs.ts';
import { enqueueEvent } from '../events/outbox.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import type { AuthorRepository } from './repository.ts';
import type { AuthorCreateInput, AuthorDto, AuthorPatchInput } from './schemas.ts';
import { toAuthorDto } from './service.ts';

export function createAuthorEditor({ authors, db, now = Date.now }: { authors: AuthorRepository; db: Database; now?: () => number }) {
  async function claimSlug(slug: string, selfId?: string): Promise<string> {
    const other = await authors.findBySlug(slug);
    if (other && other.id !== selfId) {
      throw new ConflictError(`The slug \`${slug}\` is taken by another author.`, [{ in: 'body', path: 'slug', message: 'Slug already in use' }]);
    }
    return slug;
  }

  return {
    async create(input: AuthorCreateInput, principal: Principal): Promise<AuthorDto> {
      requireRoleOf(principal, 'editor');
      return authors.transaction(async () => {
        const id = uuidv7();
        const slug = await claimSlug(input.slug ?? (slugFrom(input.name) || `author-${id.slice(-8)}`));
        const at = now();
        await authors.insert({
          id,
          slug,
          name: input.name,
          email: input.email ?? null,
          title: input.title ?? null,
          bio: input.bio ?? null,
          createdAt: at,
          updatedAt: at,
        });
        return toAuthorDto((await authors.findById(id))!);
      });
    },

    async patch(id: string, input: AuthorPatchInput, principal: Principal): Promise<AuthorDto> {
      return authors.transaction(async () => {
        const author = await authors.findById(id);
        if (!author) throw new NotFoundError('Author');
        requireRoleOf(principal, 'editor');
        const at = now();
        await authors.update(id, {
          ...input,
          ...(input.slug !== undefined ? { slug: await claimSlug(input.slug, id) } : {}),
          updatedAt: at,
        });
        const updated = (await authors.findById(id))!;
        // Every change announced, like a section's (whether a public byline shows it or not).
        await enqueueEvent(db, { type: 'author.updated', articleId: null, data: { id, slug: updated.slug, surrogateKeys: [`author-${id}`] } }, at);
        return toAuthorDto(updated);
      });
    },

    async delete(id: string, principal: Principal): Promise<void> {
      await authors.transaction(async () => {
        if (!(await authors.findById(id))) throw new NotFoundError('Author');
        requireRoleOf(principal, 'editor');
        const bylines = await authors.bylineCount(id);
        if (bylines > 0) throw new ConflictError(`The author is still on ${bylines} byline(s).`);
        await authors.delete(id);
      });
    },
  };
}

export type AuthorEditor = ReturnType<typeof createAuthorEditor>;
