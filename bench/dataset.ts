// Bulk loader for benchmarks: a realistic newsroom archive written straight into the
// project's schema (same tables, same feed rows and FTS index the app maintains).
// Articles of ~800 words in 12 body blocks, 1–3 bylines, a primary section in a 3-level tree
// of 68 sections, 0–5 tags, a lead image, 0–4 related links, publish dates over 10 years.
import { randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { openDatabase, type Db } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { UNPUBLISHED_SORT } from '../src/modules/articles/feed-repository.ts';
import { bodyText } from '../src/modules/articles/service.ts';
import type { StoredBlock } from '../src/modules/articles/schemas.ts';

/** Small deterministic PRNG (mulberry32), so every run builds the same archive. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]! };
}

const SYLLABLES = ['ka', 'no', 'ri', 'sen', 'to', 'ma', 'lu', 'gon', 'pe', 'shi', 'yo', 'dan', 'mi', 'ra', 'chu', 'bo', 'el', 'an', 'ter', 'vik'];

export interface Dataset {
  file: string;
  articles: number;
  loadMs: number;
  slugs: string[];
  rootSectionPaths: string[];
  tagSlugs: string[];
  words: string[];
}

export function buildDataset(file: string, articles: number, seed = 42): Dataset {
  const started = performance.now();
  const db: Db = openDatabase(file);
  migrateDatabase(db);
  const sqlite = db.$client;
  sqlite.pragma('synchronous = OFF'); // bulk load only; the server opens with FULL
  sqlite.pragma('cache_size = -262144'); // 256 MiB for index inserts
  // The FTS index is built once at the end ('rebuild') rather than row by row by the trigger,
  // which is then put back exactly as the migration made it.
  const ftsTrigger = (sqlite.prepare("select sql from sqlite_master where type = 'trigger' and name = 'articles_fts_ai'").get() as { sql: string }).sql;
  sqlite.exec('drop trigger articles_fts_ai');
  const r = rng(seed);
  const now = Date.now();
  const TEN_YEARS = 10 * 365 * 24 * 3600 * 1000;

  const words = Array.from({ length: 3000 }, () => Array.from({ length: r.int(2, 4) }, () => r.pick(SYLLABLES)).join(''));
  const sentence = () => {
    const w = Array.from({ length: r.int(8, 16) }, () => r.pick(words));
    return `${w[0]![0]!.toUpperCase()}${w.join(' ').slice(1)}.`;
  };
  const paragraphs = Array.from({ length: 2000 }, () => Array.from({ length: 5 }, sentence).join(' ')); // ~60 words

  // Sections: 4 roots × 4 children × 3 grandchildren = 68.
  const sections: { id: string; path: string; ancestors: string[] }[] = [];
  const insertSection = sqlite.prepare(
    'insert into sections (id, slug, name, description, parent_id, path, depth, position, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?)',
  );
  const roots = ['national', 'business', 'culture', 'world'];
  sqlite.transaction(() => {
    roots.forEach((root, i) => {
      const rootId = uuidv7();
      insertSection.run(rootId, root, root, null, null, root, 0, i, now, now);
      sections.push({ id: rootId, path: root, ancestors: [rootId] });
      for (let c = 0; c < 4; c++) {
        const childSlug = `${root}-desk-${c}`;
        const childId = uuidv7();
        insertSection.run(childId, childSlug, childSlug, null, rootId, `${root}/${childSlug}`, 1, c, now, now);
        sections.push({ id: childId, path: `${root}/${childSlug}`, ancestors: [rootId, childId] });
        for (let g = 0; g < 3; g++) {
          const slug = `beat-${g}`;
          const id = uuidv7();
          insertSection.run(id, slug, slug, null, childId, `${root}/${childSlug}/${slug}`, 2, g, now, now);
          sections.push({ id, path: `${root}/${childSlug}/${slug}`, ancestors: [rootId, childId, id] });
        }
      }
    });
  })();

  const authorIds: string[] = [];
  const tagIds: string[] = [];
  const tagSlugs: string[] = [];
  const imageIds: string[] = [];
  sqlite.transaction(() => {
    const a = sqlite.prepare('insert into authors (id, slug, name, email, title, bio, created_at, updated_at) values (?,?,?,?,?,?,?,?)');
    for (let i = 0; i < 300; i++) {
      const id = uuidv7();
      a.run(id, `reporter-${i}`, `Reporter ${i}`, `reporter${i}@example.com`, 'Reporter', null, now, now);
      authorIds.push(id);
    }
    const t = sqlite.prepare('insert into tags (id, slug, name, created_at) values (?,?,?,?)');
    for (let i = 0; i < 1000; i++) {
      const id = uuidv7();
      t.run(id, `topic-${i}`, `Topic ${i}`, now);
      tagIds.push(id);
      tagSlugs.push(`topic-${i}`);
    }
    const im = sqlite.prepare(
      'insert into images (id, sha256, filename, mime_type, bytes, width, height, alt, caption, credit, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?)',
    );
    for (let i = 0; i < 5000; i++) {
      const id = uuidv7();
      im.run(id, randomBytes(32).toString('hex'), `photo-${i}.jpg`, 'image/jpeg', 250_000, 1600, 1067, 'A photo', 'A caption', 'AP/YONHAP', now, now);
      imageIds.push(id);
    }
  })();

  const insertArticle = sqlite.prepare(
    `insert into articles (id, slug, headline, subheadline, summary, body, body_text, status, version, section_id, lead_image_id,
      lead_image_caption, lead_image_credit, dateline, language, canonical_url, published_at, first_published_at, created_at, updated_at)
     values (?,?,?,?,?,?,?,?,1,?,?,null,null,null,'en',null,?,?,?,?)`,
  );
  const insertByline = sqlite.prepare('insert into article_authors (article_id, author_id, position) values (?,?,?)');
  const insertTag = sqlite.prepare('insert into article_tags (article_id, tag_id, position) values (?,?,?)');
  const insertLink = sqlite.prepare('insert into related_links (article_id, position, title, url, target_article_id) values (?,?,?,?,?)');
  const insertUse = sqlite.prepare('insert into article_images (article_id, image_id) values (?,?)');
  const insertFeed = sqlite.prepare(
    'insert into article_feed (feed_key, article_id, public_at, published_sort, updated_at) values (?,?,?,?,?)',
  );

  const leaves = sections.filter((s) => s.ancestors.length === 3);
  const slugs: string[] = [];
  const recent: string[] = [];
  const BATCH = 5000;
  for (let start = 0; start < articles; start += BATCH) {
    sqlite.transaction(() => {
      for (let i = start; i < Math.min(articles, start + BATCH); i++) {
        const id = uuidv7();
        const slug = `article-${i}-${r.int(0, 1e9).toString(36)}`;
        const roll = r.next();
        const status = roll < 0.95 ? 'published' : roll < 0.97 ? 'draft' : roll < 0.98 ? 'scheduled' : 'archived';
        const publishedAt =
          status === 'draft' ? null : status === 'scheduled' ? now + r.int(1, 30) * 86_400_000 : now - Math.floor(r.next() * TEN_YEARS);
        const updatedAt = (publishedAt ?? now) + r.int(0, 3_600_000);
        const body: StoredBlock[] = Array.from({ length: 12 }, (_, k) =>
          k === 4 ? { type: 'heading', level: 2, text: sentence() } : { type: 'paragraph', text: r.pick(paragraphs) },
        );
        const section = r.pick(leaves);
        const lead = r.pick(imageIds);
        insertArticle.run(
          id, slug, sentence(), null, r.pick(paragraphs).slice(0, 200), JSON.stringify(body), bodyText(body), status, section.id, lead,
          publishedAt, publishedAt, publishedAt ?? now, updatedAt,
        );
        const bylines = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(authorIds)))];
        bylines.forEach((a, p) => insertByline.run(id, a, p));
        const tags = [...new Set(Array.from({ length: r.int(0, 5) }, () => r.pick(tagIds)))];
        tags.forEach((tg, p) => insertTag.run(id, tg, p));
        const links = r.int(0, 4);
        for (let p = 0; p < links; p++) {
          if (recent.length > 0 && r.next() < 0.5) insertLink.run(id, p, null, null, r.pick(recent));
          else insertLink.run(id, p, `Background ${p}`, `https://example.com/background/${i}/${p}`, null);
        }
        insertUse.run(id, lead);
        const publicAt = status === 'published' || status === 'scheduled' ? publishedAt : null;
        const sort = publishedAt ?? UNPUBLISHED_SORT;
        const keys = ['all', `status:${status}`, ...section.ancestors.map((s) => `section:${s}`), ...bylines.map((a) => `author:${a}`), ...tags.map((tg) => `tag:${tg}`)];
        for (const key of keys) insertFeed.run(key, id, publicAt, sort, updatedAt);
        if (status === 'published') {
          slugs.push(slug);
          if (recent.length < 1000) recent.push(id);
          else recent[r.int(0, 999)] = id;
        }
      }
    })();
  }
  sqlite.exec("insert into articles_fts(articles_fts) values('rebuild')");
  sqlite.exec(ftsTrigger);
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return { file, articles, loadMs: performance.now() - started, slugs, rootSectionPaths: roots, tagSlugs, words };
}
