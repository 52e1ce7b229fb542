// Section writes: create, rename, re-slug, move (with the whole subtree's paths following
// in the same transaction), delete. Editor role or higher.
import { uuidv7 } from 'uuidv7';
import { ConflictError, NotFoundError, UnprocessableError } from '../../http/errors.ts';
import { slugFrom } from '../articles/slugs.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import type { SectionRepository, SectionRow } from './repository.ts';
import type { SectionCreateInput, SectionPatchInput } from './schemas.ts';
import type { SectionService } from './service.ts';

export function createSectionEditor(deps: {
  sections: SectionRepository;
  reads: SectionService;
  /** Rewrites the list memberships of every article in these sections (after a move). */
  refreshArticlesIn: (sectionIds: string[]) => void;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const repo = deps.sections;

  function parentOf(parentId: string | null | undefined): SectionRow | null {
    if (parentId === null || parentId === undefined) return null;
    const parent = repo.findById(parentId);
    if (!parent) throw new UnprocessableError('The parent section does not exist.', [{ in: 'body', path: 'parentId', message: 'No such section' }]);
    return parent;
  }

  function pathTaken(path: string, selfId?: string): void {
    const other = repo.findByPath(path);
    if (other && other.id !== selfId) {
      throw new ConflictError(`A section with the path \`${path}\` exists.`, [{ in: 'body', path: 'slug', message: 'Slug already used by a sibling' }]);
    }
  }

  return {
    create(input: SectionCreateInput, principal: Principal) {
      requireRoleOf(principal, 'editor');
      return repo.transaction(() => {
        const parent = parentOf(input.parentId);
        const id = uuidv7();
        const slug = input.slug ?? (slugFrom(input.name) || `section-${id.slice(-8)}`);
        const path = parent ? `${parent.path}/${slug}` : slug;
        pathTaken(path);
        const at = now();
        repo.insert({
          id,
          slug,
          name: input.name,
          description: input.description ?? null,
          parentId: parent?.id ?? null,
          path,
          depth: parent ? parent.depth + 1 : 0,
          position: input.position ?? repo.nextPosition(parent?.id ?? null),
          createdAt: at,
          updatedAt: at,
        });
        return deps.reads.get(id);
      });
    },

    patch(id: string, input: SectionPatchInput, principal: Principal) {
      return repo.transaction(() => {
        const section = repo.findById(id);
        if (!section) throw new NotFoundError('Section');
        requireRoleOf(principal, 'editor');
        const at = now();
        const parent = input.parentId === undefined ? (section.parentId ? repo.findById(section.parentId)! : null) : parentOf(input.parentId);
        if (parent && (parent.id === section.id || parent.path.startsWith(`${section.path}/`))) {
          throw new ConflictError('A section cannot move under itself or one of its descendants.', [
            { in: 'body', path: 'parentId', message: 'Would create a cycle' },
          ]);
        }
        const slug = input.slug ?? section.slug;
        const path = parent ? `${parent.path}/${slug}` : slug;
        const depth = parent ? parent.depth + 1 : 0;
        const moved = path !== section.path;
        if (moved) pathTaken(path, id);
        const affected = moved ? repo.subtree(section.path).map((s) => s.id) : [];
        repo.update(id, {
          name: input.name ?? section.name,
          slug,
          description: input.description === undefined ? section.description : input.description,
          parentId: parent?.id ?? null,
          path,
          depth,
          position: input.position ?? ((parent?.id ?? null) === section.parentId ? section.position : repo.nextPosition(parent?.id ?? null)),
          updatedAt: at,
        });
        if (moved) {
          repo.moveDescendants(section.path, path, depth - section.depth, at);
          deps.refreshArticlesIn(affected);
        }
        return deps.reads.get(id);
      });
    },

    delete(id: string, principal: Principal): void {
      repo.transaction(() => {
        const section = repo.findById(id);
        if (!section) throw new NotFoundError('Section');
        requireRoleOf(principal, 'editor');
        const usage = repo.usage(id);
        if (usage.children > 0 || usage.articles > 0) {
          throw new ConflictError(
            `The section is still in use (${usage.children} child section(s), ${usage.articles} article(s)).`,
          );
        }
        repo.delete(id);
      });
    },

  };
}

export type SectionEditor = ReturnType<typeof createSectionEditor>;
