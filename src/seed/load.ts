// Loads fixtures/seed.json (sections, authors, images, articles) into the database.
// Idempotent: anything whose path or slug already exists is left as it is.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import slugify from '@sindresorhus/slugify';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Services } from '../app.ts';
import { ARTICLE_STATUSES } from '../db/schema.ts';
import { BodyBlockSchema } from '../modules/articles/schemas.ts';

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

const nullableText = z.string().min(1).nullable();

const StoredBlockSchema = z.array(
  z.discriminatedUnion('type', [
    BodyBlockSchema.options[0],
    BodyBlockSchema.options[1],
    BodyBlockSchema.options[2].partial({ attribution: true }),
    BodyBlockSchema.options[3],
    z.strictObject({ type: z.literal('image'), image: z.string(), caption: nullableText.optional(), credit: nullableText.optional() }),
    BodyBlockSchema.options[5],
  ]),
);

export const SeedSchema = z.object({
  $comment: z.string().optional(),
  sections: z.array(z.strictObject({ path: z.string(), name: z.string(), description: nullableText })),
  authors: z.array(
    z.strictObject({ slug: z.string(), name: z.string(), email: nullableText, title: nullableText, bio: nullableText }),
  ),
  images: z.array(
    z.strictObject({ key: z.string(), file: z.string(), filename: z.string(), alt: nullableText, caption: nullableText, credit: nullableText }),
  ),
  articles: z.array(
    z.strictObject({
      slug: z.string(),
      headline: z.string(),
      subheadline: nullableText,
      summary: nullableText,
      sectionPath: z.string(),
      secondarySectionPaths: z.array(z.string()),
      authorSlugs: z.array(z.string()),
      leadImage: z.strictObject({ image: z.string(), caption: nullableText, credit: nullableText }).nullable(),
      body: StoredBlockSchema,
      relatedLinks: z.array(z.strictObject({ title: z.string(), url: z.url() })),
      tags: z.array(z.string()),
      status: z.enum(ARTICLE_STATUSES),
      publishedAt: z.iso.datetime().nullable().describe('null: published at load time'),
      dateline: nullableText,
      language: z.string(),
      canonicalUrl: nullableText,
    }),
  ),
});

export type Seed = z.infer<typeof SeedSchema>;

export function readSeed(dir = FIXTURES_DIR): Seed {
  return SeedSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'seed.json'), 'utf8')));
}

export interface SeedReport {
  sections: number;
  authors: number;
  images: number;
  articles: number;
}

/** Loads the seed; returns how many of each were created (0 everywhere on a second run). */
export async function loadSeed(services: Services, now = Date.now(), dir = FIXTURES_DIR): Promise<SeedReport> {
  const seed = readSeed(dir);
  // One transaction: several instances starting on one new database seed it once.
  return services.db.transaction(() => load(services, seed, now, dir));
}

async function load(services: Services, seed: Seed, now: number, dir: string): Promise<SeedReport> {
  const repo = services.repositories;
  const report: SeedReport = { sections: 0, authors: 0, images: 0, articles: 0 };

  // Parents come before children once sorted by depth.
  const sorted = [...seed.sections].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const siblings = new Map<string, number>();
  for (const s of sorted) {
    if ((await repo.sections.findByPaths([s.path])).length > 0) continue;
    const parts = s.path.split('/');
    const parentPath = parts.slice(0, -1).join('/');
    const parent = parentPath ? (await repo.sections.findByPaths([parentPath]))[0] : undefined;
    if (parentPath && !parent) throw new Error(`Seed section ${s.path}: parent ${parentPath} missing`);
    const position = siblings.get(parentPath) ?? 0;
    siblings.set(parentPath, position + 1);
    await repo.sections.insert({
      id: uuidv7(),
      slug: parts.at(-1)!,
      name: s.name,
      description: s.description,
      parentId: parent?.id ?? null,
      path: s.path,
      depth: parts.length - 1,
      position,
      createdAt: now,
      updatedAt: now,
    });
    report.sections++;
  }

  for (const a of seed.authors) {
    if (await repo.authors.findBySlug(a.slug)) continue;
    await repo.authors.insert({ id: uuidv7(), ...a, createdAt: now, updatedAt: now });
    report.authors++;
  }

  const imageIds = new Map<string, string>();
  for (const img of seed.images) {
    const data = await fs.promises.readFile(path.join(dir, img.file));
    const meta = await sharp(data).metadata();
    const sha256 = await services.storage.putOriginal(data);
    const existing = await repo.images.findBySha256(sha256);
    if (existing) {
      imageIds.set(img.key, existing.id);
      continue;
    }
    const id = uuidv7();
    await repo.images.insert({
      id,
      sha256,
      filename: img.filename,
      mimeType: `image/${meta.format}`,
      bytes: data.length,
      width: meta.width,
      height: meta.height,
      alt: img.alt,
      caption: img.caption,
      credit: img.credit,
      createdAt: now,
      updatedAt: now,
    });
    imageIds.set(img.key, id);
    report.images++;
  }

  const sectionIds = new Map((await repo.sections.list({ limit: 10_000 })).map((r) => [r.path, r.id]));
  const sectionId = (p: string) => {
    const row = sectionIds.has(p) ? { id: sectionIds.get(p)! } : undefined;
    if (!row) throw new Error(`Seed article: no section ${p}`);
    return row.id;
  };
  const imageId = (key: string) => {
    const id = imageIds.get(key);
    if (!id) throw new Error(`Seed article: no image ${key}`);
    return id;
  };

  for (const a of seed.articles) {
    if (await repo.articles.findBySlug(a.slug)) continue;
    const publishedAt = a.status === 'published' || a.status === 'scheduled' ? (a.publishedAt ? Date.parse(a.publishedAt) : now) : null;
    const tagIds = await repo.tags.ensure(
      a.tags.map((name) => ({ id: uuidv7(), name, slug: slugify(name) })),
      now,
    );
    const authorIds: string[] = [];
    for (const slug of a.authorSlugs) {
      const author = await repo.authors.findBySlug(slug);
      if (!author) throw new Error(`Seed article: no author ${slug}`);
      authorIds.push(author.id);
    }
    await services.articles.save(
      {
        id: uuidv7(),
        slug: a.slug,
        headline: a.headline,
        subheadline: a.subheadline,
        summary: a.summary,
        body: a.body.map((b) => (b.type === 'image' ? { type: 'image', imageId: imageId(b.image), caption: b.caption ?? null, credit: b.credit ?? null } : b)),
        status: a.status,
        version: 1,
        sectionId: sectionId(a.sectionPath),
        secondarySectionIds: a.secondarySectionPaths.map(sectionId),
        authorIds,
        tagIds,
        leadImage: a.leadImage ? { imageId: imageId(a.leadImage.image), caption: a.leadImage.caption, credit: a.leadImage.credit } : null,
        relatedLinks: a.relatedLinks.map((l) => ({ title: l.title, url: l.url, targetArticleId: null })),
        dateline: a.dateline,
        language: a.language,
        canonicalUrl: a.canonicalUrl,
        kicker: null,
        translationGroup: null,
        publishedAt,
        firstPublishedAt: publishedAt,
        createdAt: now,
        updatedAt: now,
      },
      'seed',
      true,
    );
    report.articles++;
  }
  return report;
}
