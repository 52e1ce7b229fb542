// Sections: a tree with materialised paths. Reads here; writes come with the editorial API.
import { NotFoundError } from '../../http/errors.ts';
import { decodeCursor, type Page, pageFrom } from '../../http/pagination.ts';
import { z } from 'zod';
import { ancestorPaths, type SectionRepository, type SectionRow } from './repository.ts';
import type { SectionDto, SectionRefDto } from './schemas.ts';

const SectionCursor = z.object({ p: z.string() });

export function toSectionDto(row: SectionRow): SectionDto {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    parentId: row.parentId,
    path: row.path,
    depth: row.depth,
    position: row.position,
  };
}

export function toSectionRef(row: Pick<SectionRow, 'id' | 'slug' | 'name' | 'path'>): SectionRefDto {
  return { id: row.id, slug: row.slug, name: row.name, path: row.path };
}

/** Root-first breadcrumb trails for section paths, from rows holding every ancestor. */
export function trails(paths: string[], rows: SectionRow[]): SectionRefDto[][] {
  const byPath = new Map(rows.map((r) => [r.path, r]));
  return paths.map((p) =>
    ancestorPaths(p)
      .map((a) => byPath.get(a))
      .filter((r): r is SectionRow => r !== undefined)
      .map(toSectionRef),
  );
}

export function createSectionService({ sections }: { sections: SectionRepository }) {
  return {
    async list(query: { path?: string; limit: number; cursor?: string }): Promise<Page<SectionDto>> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, SectionCursor).p;
      const rows = await sections.list({ path: query.path, afterPath: after, limit: query.limit + 1 });
      return pageFrom(rows, query.limit, (last) => ({ p: last.path }), toSectionDto);
    },

    async get(id: string) {
      const row = await sections.findById(id);
      if (!row) throw new NotFoundError('Section');
      return {
        ...toSectionDto(row),
        breadcrumbs: (await this.breadcrumbs([row.path]))[0]!,
        children: (await sections.children(row.id)).map(toSectionDto),
      };
    },

    /** Root-first breadcrumb trails for several section paths, in one query. */
    async breadcrumbs(paths: string[]): Promise<SectionRefDto[][]> {
      const all = [...new Set(paths.flatMap(ancestorPaths))];
      return trails(paths, await sections.findByPaths(all));
    },

    /** The section itself and the ids of it and every ancestor (the feed keys it lists under). */
    resolve(idOrPath: string): Promise<SectionRow | undefined> {
      return sections.findByIdOrPath(idOrPath);
    },
  };
}

export type SectionService = ReturnType<typeof createSectionService>;
