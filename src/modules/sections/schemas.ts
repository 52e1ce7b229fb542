import { z } from 'zod';
import { idSchema, slugSchema } from '../../http/common-schemas.ts';
import { line, text } from '../../http/input.ts';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';

export const SectionRefSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    path: z.string().describe('Slash-separated slugs from the root, e.g. `national/north-korea`'),
  })
  .meta({ id: 'SectionRef', description: 'A section as referenced from an article or a breadcrumb trail' });

export const SectionSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    parentId: z.string().nullable(),
    path: z.string(),
    depth: z.number().int().min(0).describe('0 for a root section'),
    position: z.number().int().describe('Order among siblings'),
  })
  .meta({
    id: 'Section',
    examples: [
      {
        id: '01936f6e-5a1c-7d2e-9a55-0c1f0e6b7a10',
        slug: 'north-korea',
        name: 'North Korea',
        description: null,
        parentId: '01936f6e-5a1c-7d2e-9a55-0c1f0e6b7a00',
        path: 'national/north-korea',
        depth: 1,
        position: 1,
      },
    ],
  });

export const SectionDetailSchema = SectionSchema.extend({
  breadcrumbs: z.array(SectionRefSchema).describe('Root first, ending with this section'),
  children: z.array(SectionSchema),
}).meta({ id: 'SectionDetail' });

export const SectionListSchema = pageOf(SectionSchema, 'SectionList');

export const SectionListQuery = z.strictObject({
  path: z.string().min(1).max(1000).optional().describe('Only the section with this path (an empty list when none has it)'),
  limit: limitParam,
  cursor: cursorParam,
});

export type SectionDto = z.infer<typeof SectionSchema>;
export type SectionRefDto = z.infer<typeof SectionRefSchema>;

export const SectionCreateSchema = z
  .strictObject({
    name: line(100),
    slug: slugSchema.optional().describe('Made from the name when absent; unique among siblings'),
    parentId: idSchema.nullable().optional().describe('Absent or null: a root section'),
    description: text(2000).nullable().optional(),
    position: z.number().int().min(0).max(100_000).optional().describe('Order among siblings (default: last)'),
  })
  .meta({ id: 'SectionCreate', examples: [{ name: 'North Korea', parentId: '01936f6e-5a1c-7d2e-9a55-0c1f0e6b7a00' }] });

export const SectionPatchSchema = z
  .strictObject({
    name: line(100).optional(),
    slug: slugSchema.optional().describe('Re-slugging rewrites the path of the section and all below it'),
    parentId: idSchema.nullable().optional().describe('Moves the section with its subtree; null makes it a root'),
    description: text(2000).nullable().optional(),
    position: z.number().int().min(0).max(100_000).optional(),
  })
  .meta({ id: 'SectionPatch', examples: [{ parentId: '01936f6e-5a1c-7d2e-9a55-0c1f0e6b7a01' }, { name: 'Defence', slug: 'defence' }] });

export type SectionCreateInput = z.output<typeof SectionCreateSchema>;
export type SectionPatchInput = z.output<typeof SectionPatchSchema>;
