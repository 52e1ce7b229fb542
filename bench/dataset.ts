// The benchmark archive, loaded through the product's own import (`cms import`): a realistic
// newsroom archive is written as an export directory (content.ndjson and media/, the format of
// src/modules/transfer/format.ts), then imported into a SQLite file or a PostgreSQL database
// (a postgres:// URL, already created) by importContent, exactly what `cms import DIR` runs.
// `loadMs` is the import's time alone (writing the file is not counted); the directory is
// made once per size and seed and reused by every engine of a run.
// Articles of ~800 words in 12 body blocks, 1–3 bylines, a primary section in a 3-level tree
// of 68 sections, 0–5 tags, a lead image, 0–4 related links, publish dates over 10 years.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { openDatabase } from '../src/db/database.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import type { StoredBlock } from '../src/modules/articles/schemas.ts';
import { FORMAT, iso, isoOrNull, mediaPathOf } from '../src/modules/transfer/format.ts';
import { importContent } from '../src/modules/transfer/import.ts';
import { type LoadCpu, measureLoadCpu } from './import-cost.ts';
import { rng } from './rng.ts';

const SYLLABLES = ['ka', 'no', 'ri', 'sen', 'to', 'ma', 'lu', 'gon', 'pe', 'shi', 'yo', 'dan', 'mi', 'ra', 'chu', 'bo', 'el', 'an', 'ter', 'vik'];

export interface Dataset {
  /** The SQLite file or the PostgreSQL URL. */
  target: string;
  articles: number;
  loadMs: number;
  /** CPU spent during the load (bench/import-cost.ts). */
  loadCpu: LoadCpu;
  /** Slugs of published articles. */
  slugs: string[];
  /** Ids of draft articles. */
  drafts: string[];
  rootSectionPaths: string[];
  tagSlugs: string[];
  words: string[];
}

/** What the benchmark scenarios need to know about the archive. */
type ArchiveFacts = Omit<Dataset, 'target' | 'loadMs' | 'loadCpu'>;

const exports = new Map<string, { dir: string; facts: ArchiveFacts }>();

/**
 * Loads an archive of `articles` articles into `target` through the import; the export
 * directory is written under `workDir` first (once per size and seed).
 */
export async function buildDataset(target: string, articles: number, opts: { workDir: string; mediaDir: string; seed?: number }): Promise<Dataset> {
  const made = await prepareArchive(opts.workDir, articles, opts.seed ?? 42);
  const db = await openDatabase(target, { pool: 2 });
  try {
    await migrateDatabase(db);
    const started = performance.now();
    const database = db.engine === 'postgres' && /^(localhost|127\.0\.0\.1|\[::1\])$/.test(new URL(target).hostname) ? decodeURIComponent(new URL(target).pathname.slice(1)) : null;
    const loadCpu = await measureLoadCpu(() => importContent({ db, mediaDir: opts.mediaDir, dir: made.dir, bar: false }).then(() => {}), database);
    return { ...made.facts, target, articles, loadMs: performance.now() - started, loadCpu };
  } finally {
    await db.close();
  }
}

/** Writes (or finds, from an earlier run) the export directory of an archive under `workDir`. */
export async function prepareArchive(workDir: string, articles: number, seed: number): Promise<{ dir: string; facts: ArchiveFacts }> {
  const key = `${articles}-${seed}`;
  let made = exports.get(key);
  const dir = path.join(workDir, `export-${key}`);
  const factsFile = path.join(dir, 'facts.json');
  if (!made && fs.existsSync(factsFile)) {
    // Kept by an earlier run (`--exports DIR`): facts.json is written last, so the archive is whole.
    made = { dir, facts: JSON.parse(fs.readFileSync(factsFile, 'utf8')) as ArchiveFacts };
    exports.set(key, made);
    console.log(`  reusing the archive written by an earlier run (${dir})`);
  }
  if (!made) {
    fs.rmSync(dir, { recursive: true, force: true });
    const started = performance.now();
    made = { dir, facts: await writeArchive(dir, articles, seed) };
    fs.writeFileSync(factsFile, JSON.stringify(made.facts));
    exports.set(key, made);
    const bytes = fs.statSync(path.join(dir, 'content.ndjson')).size;
    console.log(`  wrote the archive as an export (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return made;
}

/** Writes the archive as an export directory; returns what the scenarios pick from. */
async function writeArchive(dir: string, articles: number, seed: number): Promise<ArchiveFacts> {
  fs.mkdirSync(path.join(dir, 'media'), { recursive: true });
  const out = fs.createWriteStream(path.join(dir, 'content.ndjson'));
  const write = async (value: object) => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  const r = rng(seed);
  const now = Date.now();
  const at = iso(now);
  const TEN_YEARS = 10 * 365 * 24 * 3600 * 1000;

  const words = Array.from({ length: 3000 }, () => Array.from({ length: r.int(2, 4) }, () => r.pick(SYLLABLES)).join(''));
  const sentence = () => {
    const w = Array.from({ length: r.int(8, 16) }, () => r.pick(words));
    return `${w[0]![0]!.toUpperCase()}${w.join(' ').slice(1)}.`;
  };
  const paragraphs = Array.from({ length: 2000 }, () => Array.from({ length: 5 }, sentence).join(' ')); // ~60 words

  // Sections: 4 roots × 4 children × 3 grandchildren = 68, parents first.
  const sections: { id: string; slug: string; parentId: string | null; position: number; leaf: boolean }[] = [];
  const roots = ['national', 'business', 'culture', 'world'];
  roots.forEach((root, i) => {
    const rootId = uuidv7();
    sections.push({ id: rootId, slug: root, parentId: null, position: i, leaf: false });
    for (let c = 0; c < 4; c++) {
      const childId = uuidv7();
      sections.push({ id: childId, slug: `${root}-desk-${c}`, parentId: rootId, position: c, leaf: false });
      for (let g = 0; g < 3; g++) sections.push({ id: uuidv7(), slug: `beat-${g}`, parentId: childId, position: g, leaf: true });
    }
  });
  const authors = Array.from({ length: 300 }, (_, i) => ({ id: uuidv7(), slug: `reporter-${i}`, name: `Reporter ${i}`, email: `reporter${i}@example.com` }));
  const tags = Array.from({ length: 1000 }, (_, i) => ({ id: uuidv7(), slug: `topic-${i}`, name: `Topic ${i}` }));
  // Image files are small random bytes: the import checks each file's sha256, never decodes it.
  const images = Array.from({ length: 5000 }, (_, i) => {
    const bytes = randomBytes(64);
    return { id: uuidv7(), sha256: createHash('sha256').update(bytes).digest('hex'), bytes, filename: `photo-${i}.jpg` };
  });
  const counts = { section: sections.length, author: authors.length, tag: tags.length, image: images.length, article: articles, revision: 0, webhook: 0 };
  await write({ kind: 'export', format: FORMAT, exportedAt: at, engine: 'sqlite', counts });
  for (const x of sections) await write({ kind: 'section', id: x.id, slug: x.slug, name: x.slug, description: null, parentId: x.parentId, position: x.position, createdAt: at, updatedAt: at });
  for (const x of authors) await write({ kind: 'author', ...x, title: 'Reporter', bio: null, createdAt: at, updatedAt: at });
  for (const x of tags) await write({ kind: 'tag', ...x, createdAt: at });
  for (const x of images) {
    const file = path.join(dir, mediaPathOf(x.sha256));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, x.bytes);
    await write({
      kind: 'image', id: x.id, sha256: x.sha256, filename: x.filename, mimeType: 'image/jpeg', bytes: x.bytes.length, width: 1600, height: 1067,
      alt: 'A photo', caption: 'A caption', credit: 'AP/YONHAP', focalPoint: null, createdAt: at, updatedAt: at,
    });
  }

  const leaves = sections.filter((s) => s.leaf);
  const slugs: string[] = [];
  const drafts: string[] = [];
  const recent: string[] = [];
  for (let i = 0; i < articles; i++) {
    const id = uuidv7();
    const slug = `article-${i}-${r.int(0, 1e9).toString(36)}`;
    const roll = r.next();
    const status = roll < 0.95 ? 'published' : roll < 0.97 ? 'draft' : roll < 0.98 ? 'scheduled' : 'archived';
    const publishedAt = status === 'draft' ? null : status === 'scheduled' ? now + r.int(1, 30) * 86_400_000 : now - Math.floor(r.next() * TEN_YEARS);
    const updatedAt = (publishedAt ?? now) + r.int(0, 3_600_000);
    const body: StoredBlock[] = Array.from({ length: 12 }, (_, k) => (k === 4 ? { type: 'heading', level: 2, text: sentence() } : { type: 'paragraph', text: r.pick(paragraphs) }));
    const section = r.pick(leaves);
    const lead = r.pick(images).id;
    const headline = sentence();
    const summary = r.pick(paragraphs).slice(0, 200).trim();
    const authorIds = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(authors).id))];
    const tagIds = [...new Set(Array.from({ length: r.int(0, 5) }, () => r.pick(tags).id))];
    const relatedLinks: object[] = [];
    const links = r.int(0, 4);
    for (let p = 0; p < links; p++) {
      if (recent.length > 0 && r.next() < 0.5) relatedLinks.push({ title: null, url: null, targetArticleId: r.pick(recent) });
      else relatedLinks.push({ title: `Background ${p}`, url: `https://example.com/background/${i}/${p}`, targetArticleId: null });
    }
    await write({
      kind: 'article', id, slug, headline, subheadline: null, summary, body, status, version: 1, sectionId: section.id, secondarySectionIds: [], authorIds, tagIds,
      leadImage: { imageId: lead, caption: null, credit: null }, relatedLinks, dateline: null, language: 'en', canonicalUrl: null, kicker: null, translationGroup: null,
      publishedAt: isoOrNull(publishedAt), firstPublishedAt: isoOrNull(publishedAt), createdAt: iso(publishedAt ?? now), updatedAt: iso(updatedAt), corrections: [],
    });
    if (status === 'published') {
      slugs.push(slug);
      if (recent.length < 1000) recent.push(id);
      else recent[r.int(0, 999)] = id;
    } else if (status === 'draft') drafts.push(id);
  }
  out.end();
  await once(out, 'finish');
  return { articles, slugs, drafts, rootSectionPaths: roots, tagSlugs: tags.map((t) => t.slug), words };
}
