// `cms export DIR`: DIR/content.ndjson and DIR/media/ (format.ts), read from one consistent
// snapshot of the database in keyset batches, written as it goes: memory stays flat however
// large the archive. The file is written under a temporary name and renamed when complete.
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Database } from '../../db/database.ts';
import { mediaLayout, originalPath } from '../images/storage-paths.ts';
import { createProgress, secondsSince } from '../../cli/progress.ts';
import { FORMAT, iso, isoOrNull, mediaPathOf } from './format.ts';
import { createTransferRepository } from './repository.ts';

export interface ExportOptions {
  db: Database;
  mediaDir: string;
  dir: string;
  /** Progress bar on or off (default: on a terminal). */
  bar?: boolean;
}

export interface ExportReport {
  lines: number;
  counts: Record<string, number>;
  mediaFiles: number;
  /** Images whose original file was missing from the media folder (their lines are written). */
  missingMedia: string[];
}

const ARTICLE_BATCH = 500;

export async function exportContent(opts: ExportOptions): Promise<ExportReport> {
  const started = performance.now();
  const repo = createTransferRepository(opts.db);
  const layout = mediaLayout(opts.mediaDir);
  fs.mkdirSync(path.join(opts.dir, 'media'), { recursive: true });
  const target = path.join(opts.dir, 'content.ndjson');
  const temp = `${target}.${process.pid}.tmp`;
  const out = fs.createWriteStream(temp);
  let lines = 0;
  const write = async (value: object) => {
    lines++;
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  const report: ExportReport = { lines: 0, counts: {}, mediaFiles: 0, missingMedia: [] };

  try {
    await opts.db.snapshot(async () => {
      const counts = await repo.counts();
      report.counts = counts;
      const progress = createProgress({ label: 'export', unit: 'lines', total: Object.values(counts).reduce((a, b) => a + b, 0), ...(opts.bar !== undefined ? { bar: opts.bar } : {}) });
      try {
        await write({ kind: 'export', format: FORMAT, exportedAt: new Date().toISOString(), engine: opts.db.engine, counts });
        for (const s of await repo.sections()) {
          await write({ kind: 'section', id: s.id, slug: s.slug, name: s.name, description: s.description, parentId: s.parentId, position: s.position, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) });
          progress.increment();
        }
        for (const a of await repo.authors()) {
          await write({ kind: 'author', id: a.id, slug: a.slug, name: a.name, email: a.email, title: a.title, bio: a.bio, createdAt: iso(a.createdAt), updatedAt: iso(a.updatedAt) });
          progress.increment();
        }
        for (const tag of await repo.tags()) {
          await write({ kind: 'tag', id: tag.id, slug: tag.slug, name: tag.name, createdAt: iso(tag.createdAt) });
          progress.increment();
        }
        for (const im of await repo.images()) {
          await write({
            kind: 'image', id: im.id, sha256: im.sha256, filename: im.filename, mimeType: im.mimeType, bytes: im.bytes, width: im.width, height: im.height,
            alt: im.alt, caption: im.caption, credit: im.credit, focalPoint: im.focalX === null || im.focalY === null ? null : { x: im.focalX, y: im.focalY },
            createdAt: iso(im.createdAt), updatedAt: iso(im.updatedAt),
          });
          const to = path.join(opts.dir, mediaPathOf(im.sha256));
          if (!fs.existsSync(to)) {
            fs.mkdirSync(path.dirname(to), { recursive: true });
            try {
              fs.copyFileSync(originalPath(layout, im.sha256), `${to}.tmp`);
              fs.renameSync(`${to}.tmp`, to);
              report.mediaFiles++;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
              report.missingMedia.push(im.id);
            }
          }
          progress.increment();
        }
        for (let after = 0; ; ) {
          const batch = await repo.articleBatch(after, ARTICLE_BATCH);
          if (batch.rows.length === 0) break;
          for (const a of batch.rows) {
            await write({
              kind: 'article', id: a.id, slug: a.slug, headline: a.headline, subheadline: a.subheadline, summary: a.summary, body: a.body, status: a.status, version: a.version,
              sectionId: a.sectionId,
              secondarySectionIds: (batch.sections.get(a.id) ?? []).map((r: { sectionId: string }) => r.sectionId),
              authorIds: (batch.bylines.get(a.id) ?? []).map((r: { authorId: string }) => r.authorId),
              tagIds: (batch.tags.get(a.id) ?? []).map((r: { tagId: string }) => r.tagId),
              leadImage: a.leadImageId ? { imageId: a.leadImageId, caption: a.leadImageCaption, credit: a.leadImageCredit } : null,
              relatedLinks: (batch.links.get(a.id) ?? []).map((l: { title: string | null; url: string | null; targetArticleId: string | null }) => ({ title: l.title, url: l.url, targetArticleId: l.targetArticleId })),
              dateline: a.dateline, language: a.language, canonicalUrl: a.canonicalUrl, kicker: a.kicker, translationGroup: a.translationGroup,
              publishedAt: isoOrNull(a.publishedAt), firstPublishedAt: isoOrNull(a.firstPublishedAt), createdAt: iso(a.createdAt), updatedAt: iso(a.updatedAt),
              corrections: (batch.corrections.get(a.id) ?? []).map((c: { id: string; text: string; createdAt: number }) => ({ id: c.id, text: c.text, createdAt: iso(c.createdAt) })),
            });
            progress.increment();
            for (let rev = 0; ; ) {
              const revisions = await repo.revisions(a.id, rev, 50);
              for (const r of revisions) {
                await write({ kind: 'revision', articleId: r.articleId, revision: r.revision, createdAt: iso(r.createdAt), createdBy: r.createdBy, snapshot: r.snapshot });
                progress.increment();
              }
              if (revisions.length < 50) break;
              rev = revisions.at(-1)!.revision;
            }
          }
          after = batch.rows.at(-1)!.seq;
        }
        for (const w of await repo.webhooks()) {
          await write({ kind: 'webhook', id: w.id, url: w.url, events: JSON.parse(w.events) as string[], description: w.description, status: w.status, createdAt: iso(w.createdAt), updatedAt: iso(w.updatedAt) });
          progress.increment();
        }
        out.end();
        await once(out, 'finish');
        fs.renameSync(temp, target);
        report.lines = lines;
        const c = report.counts;
        progress.done(
          `export: ${lines.toLocaleString('en')} lines (${c.article} articles, ${c.revision} revisions, ${c.section} sections, ${c.author} authors, ${c.tag} tags, ${c.image} images, ${c.webhook} webhooks), ${report.mediaFiles} media files → ${opts.dir} in ${secondsSince(started)} s`,
        );
        for (const id of report.missingMedia) process.stderr.write(`export: warning: the file of image ${id} is missing from the media folder; its line is written, an import will refuse it\n`);
      } catch (error) {
        progress.stop();
        throw error;
      }
    });
  } catch (error) {
    out.destroy();
    fs.rmSync(temp, { force: true });
    throw error;
  }
  return report;
}
