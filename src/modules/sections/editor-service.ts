// Section writes: create, rename, re-slug, move (with the whole subtree's paths following
// in the same transaction), delete. Editor role or higher.
import { uuidv7 } from 'uuidv7';
import { ConflictError, NotFoundError, UnprocessableError } from '../../http/errors.ts';
import type { Database } from '../../db/database.ts';
import { slugFrom } from '../articles/slugs.ts';
import { enqueueEvent } from '../events/outbox.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import type { SectionRepository, SectionRow } from './repository.ts';
import type { SectionCreateInput, SectionPatchInput } from './schemas.ts';
import type { SectionService } from './service.ts';

export function createSectionEditor(deps: {
  sections: SectionRepository;
  reads: SectionService;
  /** Rewrites the list memberships of every article in these sections (after a move). */
  refreshArticlesIn: (sectionIds: string[]) => Promise<void>;
  /** For `section.updated` in the outbox, stored in the change's transaction. */
  db: Database;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const repo = deps.sections;

  async function parentOf(parentId: string | null | undefined): Promise<SectionRow | null> {
    if (parentId === null || parentId === undefined) return null;
    const parent = await repo.findById(parentId);
    if (!parent) throw new UnprocessableError('The parent section does not exist.', [{ in: 'body', path: 'parentId', message: 'No such section' }]);
    return parent;
  }

  async function pathTaken(path: string, selfId?: string): Promise<void> {
    const other = await repo.findByPath(path);
    if (other && other.id !== selfId) {
      throw new ConflictError(`A section with the path \`${path}\` exists.`, [{ in: 'body', path: 'slug', message: 'Slug already used by a sibling' }]);
    }
  }

  return {
    async create(input: SectionCreateInput, principal: Principal) {
      requireRoleOf(principal, 'editor');
      return repo.transaction(async () => {
        const parent = await parentOf(input.parentId);
        const id = uuidv7();
        const slug = input.slug ?? (slugFrom(input.name) || `section-${id.slice(-8)}`);
        const path = parent ? `${parent.path}/${slug}` : slug;
        await pathTaken(path);
        const at = now();
        await repo.insert({
          id,
          slug,
          name: input.name,
          description: input.description ?? null,
          parentId: parent?.id ?? null,
          path,
          depth: parent ? parent.depth + 1 : 0,
          position: input.position ?? (await repo.nextPosition(parent?.id ?? null)),
          createdAt: at,
          updatedAt: at,
        });
        return deps.reads.get(id);
      });
    },

    async patch(id: string, input: SectionPatchInput, principal: Principal) {
      return repo.transaction(async () => {
        const section = await repo.findById(id);
        if (!section) throw new NotFoundError('Section');
        requireRoleOf(principal, 'editor');
        const at = now();
        const parent = input.parentId === undefined ? (section.parentId ? (await repo.findById(section.parentId))! : null) : await parentOf(input.parentId);
        if (parent && (parent.id === section.id || parent.path.startsWith(`${section.path}/`))) {
          throw new ConflictError('A section cannot move under itself or one of its descendants.', [
            { in: 'body', path: 'parentId', message: 'Would create a cycle' },
          ]);
        }
        const slug = input.slug ?? section.slug;
        const path = parent ? `${parent.path}/${slug}` : slug;
        const depth = parent ? parent.depth + 1 : 0;
        const moved = path !== section.path;
        if (moved) await pathTaken(path, id);
        const affected = moved ? (await repo.subtree(section.path)).map((s) => s.id) : [];
        await repo.update(id, {
          name: input.name ?? section.name,
          slug,
          description: input.description === undefined ? section.description : input.description,
          parentId: parent?.id ?? null,
          path,
          depth,
          position: input.position ?? ((parent?.id ?? null) === section.parentId ? section.position : await repo.nextPosition(parent?.id ?? null)),
          updatedAt: at,
        });
        if (moved) {
          await repo.moveDescendants(section.path, path, depth - section.depth, at);
          await deps.refreshArticlesIn(affected);
        }
        // Every change to a section (name, slug, description, place) shows wherever it does,
        // public or not: announced without asking what shows it. A move changes the paths of
        // its whole subtree, whose keys go with it.
        await enqueueEvent(deps.db, {
          type: 'section.updated',
          articleId: null,
          data: { id, slug, path, surrogateKeys: [...new Set([id, ...affected])].map((s) => `section-${s}`) },
        }, at);
        return deps.reads.get(id);
      });
    },

    async delete(id: string, principal: Principal): Promise<void> {
      await repo.transaction(async () => {
        const section = await repo.findById(id);
        if (!section) throw new NotFoundError('Section');
        requireRoleOf(principal, 'editor');
        const usage = await repo.usage(id);
        if (usage.children > 0 || usage.articles > 0) {
          throw new ConflictError(
            `The section is still in use (${usage.children} child section(s), ${usage.articles} article(s)).`,
          );
        }
        await repo.delete(id);
      });
    },

  };
}

export type SectionEditor = ReturnType<typeof createSectionEditor>;
