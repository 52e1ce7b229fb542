// The README is tested documentation: start the server as it says (`npm start`) and run its
// curl examples, exactly as written, against it over a real socket.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import t from 'tap';
import { ENGINE, testDatabase } from './engine.ts';
import { skipped } from './services.ts';
import { tempDir } from './helper.ts';
import { childEnv, ROOT, startServer } from './process.ts';

const run = promisify(execFile);
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function block(name: string): string {
  const match = new RegExp(`<!-- readme-test:${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- /readme-test:${name} -->`).exec(readme);
  if (!match) throw new Error(`README has no readme-test:${name} block`);
  return match[1]!;
}

t.test('README: the two set-up commands are the ones package.json provides', async (t) => {
  t.match(readme, /```sh\nnpm install && npm start\n```/);
  t.match(readme, /```sh\nnpm test\n```/);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // `npm test` is the tap suite, run by scripts/test.ts (it probes PostgreSQL, Redis and
  // Chromium first, then hands its arguments to tap).
  t.equal(pkg.scripts.test, 'node --import tsx scripts/test.ts');
  t.match(fs.readFileSync(path.join(ROOT, 'scripts/test.ts'), 'utf8'), /spawn\('npx', \['tap', \.\.\.args\]/, 'scripts/test.ts runs tap');
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  t.match(ci, /\nnpm ci\nnpm test\n/, '.ci/run runs npm ci and then the README test command');
});

t.test('npm start on a new database: seed loaded, admin token printed, README curl examples work', async (t) => {
  const dir = tempDir(t);
  // A new database as the README's first start has it: on PostgreSQL an empty one (not a
  // copy of the migrated template), so that start-up migrates, seeds and prints the token.
  const CMS_DB = await testDatabase(t, dir, { migrated: false });
  const server = await startServer({ CMS_DB, CMS_MEDIA_DIR: path.join(dir, 'media'), CMS_WEBHOOK_ALLOW_PRIVATE: '1' });
  t.teardown(server.stop);

  const token = /First start: an admin API token[^\n]*\n\n\s+(cms_[A-Za-z0-9_-]+)/.exec(server.output())?.[1];
  t.ok(token, 'the first start prints an admin token');
  const asAdmin = await fetch(`${server.base}/v1/articles?status=published`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(asAdmin.status, 200, 'the printed token works');

  // Each command runs as written; an `echo` after each body-printing curl separates the outputs.
  const script = block('read')
    .replaceAll('http://127.0.0.1:3000', server.base)
    .replace(/^(curl -fsS .*)$/gm, '$1; echo');
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { env: childEnv(), maxBuffer: 10 * 1024 * 1024 });
  const lines = stdout.trim().split('\n');
  const article = JSON.parse(lines[0]!);
  t.equal(article.headline, 'South Korea worries Putin visit could tighten military bonds between North and Russia');
  t.equal(article.section.path, 'national/north-korea');
  t.same(article.authors.map((a: { name: string }) => a.name), ['Lim Jeong-won', 'Park Hyun-joo']);
  t.equal(article.leadImage.credit, 'AP/YONHAP');
  t.equal(article.body.length, 19);
  const search = JSON.parse(lines[2]!);
  t.equal(search.data.length, 1, 'the search finds the seed article');
  t.match(search.data[0].snippet, /<mark>/);
  t.equal(JSON.parse(lines[1]!).data.length, 1, 'the section list (with subsections) has the seed article');
  t.equal(lines.at(-1), '304', 'revalidation with the ETag gives 304');

  // Feeds, sitemaps and JSON-LD, as written: each document parsed.
  const outputs = block('outputs')
    .replaceAll('http://127.0.0.1:3000', server.base)
    .replace(/^(curl -fsS .*)$/gm, "$1; echo; echo '@@@@'");
  const docs = (await run('bash', ['-euo', 'pipefail', '-c', outputs], { env: childEnv(), maxBuffer: 10 * 1024 * 1024 })).stdout.split('@@@@\n');
  const xml = new XMLParser({ ignoreAttributes: false });
  const rss = xml.parse(docs[0]!);
  const items = [rss.rss.channel.item].flat();
  t.equal(items.length, 1, 'the RSS feed of National holds the seed article');
  t.equal(items[0].title, article.headline);
  t.equal(items[0].link, article.url);
  const index = xml.parse(docs[1]!);
  t.match([index.sitemapindex.sitemap].flat()[0].loc, new RegExp(`^${server.base}/v1/sitemaps/articles/\\d{4}-\\d{2}\\.xml$`), 'the sitemap index names this month');
  const news = xml.parse(docs[2]!);
  t.equal([news.urlset.url].flat()[0]['news:news']['news:title'], article.headline, 'the news sitemap holds the seed article (published at start)');
  const jsonld = JSON.parse(docs[3]!);
  t.match(jsonld, { '@context': 'https://schema.org', '@type': 'NewsArticle', headline: article.headline, url: article.url });
  t.same(jsonld.author.map((a: { name: string }) => a.name), ['Lim Jeong-won', 'Park Hyun-joo']);

  // The editor's session, as written, against the same server and database.
  const edit = `${block('edit')}\n${block('image')}\n${block('events')}`.replaceAll('http://127.0.0.1:3000', server.base);
  const session = await run('bash', ['-euo', 'pipefail', '-c', edit], {
    cwd: ROOT,
    env: childEnv({ CMS_DB, CMS_MEDIA_DIR: path.join(dir, 'media') }),
    maxBuffer: 10 * 1024 * 1024,
  });
  t.same(session.stdout.trim().split('\n'), ['published', 'Sampel article from the editing guide', '3', '3', 'AP/YONHAP', '200 image/webp', 'whsec_', 'msg_', 'draft'], 'the editing session prints what the README says');
  const fixed = (await (await fetch(`${server.base}/v1/articles?section=national/diplomacy`)).json()) as { data: { headline: string; authors: { name: string }[]; relatedLinks: { url: string }[] }[] };
  t.equal(fixed.data.length, 1);
  t.equal(fixed.data[0]!.headline, 'Sample article from the editing guide', 'the public sees the fixed headline');
  t.same(fixed.data[0]!.authors.map((a) => a.name), ['Sample Reporter']);
  t.equal(fixed.data[0]!.relatedLinks[0]!.url, 'https://example.com/api');
  const lead = (fixed.data[0] as unknown as { leadImage: { caption: string; credit: string; alt: string } }).leadImage;
  t.match(lead, { caption: 'A launch pad, photographed for the editing guide', credit: 'AP/YONHAP', alt: 'A launch pad at a cosmodrome' });

  // Restarting against the same database neither reseeds nor prints another token.
  await server.stop();
  const again = await startServer({ CMS_DB, CMS_MEDIA_DIR: path.join(dir, 'media') });
  t.teardown(again.stop);
  t.notMatch(again.output(), /admin API token/, 'no second token');
  const list = (await (await fetch(`${again.base}/v1/articles`)).json()) as { data: unknown[] };
  t.equal(list.data.length, 2, 'no second copy of the seed (the seed and the README article)');
});

t.test('README: the PostgreSQL commands work as written', { skip: ENGINE === 'postgres' ? 'runs once, in the SQLite pass' : (skipped('postgres') ?? false) }, async (t) => {
  const lines = block('postgres').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  t.equal(lines.length, 2, 'create the database, start on it');
  // The README's database name, made unique for this run.
  const name = `newsroom_readme_${process.pid}`;
  const create = lines[0]!.replace('newsroom', name);
  t.match(create, /^psql -h 127\.0\.0\.1 -U postgres -c 'CREATE DATABASE newsroom_readme_\d+'$/);
  t.teardown(async () => {
    await run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]).catch(() => {});
  });
  await run('bash', ['-euo', 'pipefail', '-c', create], { env: childEnv() });
  const start = /^CMS_DB=(\S+) npm start$/.exec(lines[1]!.replace('/newsroom', `/${name}`));
  t.ok(start, 'the start line sets CMS_DB and runs npm start');
  const dir = tempDir(t);
  const server = await startServer({ CMS_DB: start![1]!, CMS_MEDIA_DIR: path.join(dir, 'media') });
  t.teardown(server.stop);
  t.match(server.output(), /First start: an admin API token/, 'the first start prints an admin token');
  const seed = await fetch(`${server.base}/v1/articles/slug/south-korea-worries-putin-visit-could-tighten-military-bonds-between-north-and-russia`);
  t.equal(seed.status, 200, 'the seed article is served from PostgreSQL');
  const found = (await (await fetch(`${server.base}/v1/articles?q=pyongyang%20warning`)).json()) as { data: { snippet: string }[] };
  t.match(found.data[0]?.snippet, /<mark>/, 'and found by search');
});

t.test('README: backups and migrations, as written, while the server runs', async (t) => {
  const dir = tempDir(t);
  const CMS_DB = await testDatabase(t, dir, { migrated: false });
  const media = path.join(dir, 'media');
  // One public origin for the three servers below, so that article URLs do not differ by port.
  const origin = { CMS_PUBLIC_URL: 'http://cms.example', CMS_SITE_URL: 'https://news.example' };
  const server = await startServer({ CMS_DB, CMS_MEDIA_DIR: media, ...origin });
  t.teardown(server.stop);
  // Where the README says ./…, this run's own places; each new database is one of this engine's.
  const copyDb = await testDatabase(t, tempDir(t), { migrated: false });
  const restoredDb = await testDatabase(t, tempDir(t), { migrated: false });
  const script = block('backups')
    .replaceAll('./newsroom-export', path.join(dir, 'export'))
    .replaceAll('./newsroom-backup.tar', path.join(dir, 'backup.tar'))
    .replace('postgres://postgres@127.0.0.1:5432/newsroom_copy', copyDb)
    .replace('./data/restored.db', restoredDb)
    .replaceAll('./data/copy-media', path.join(dir, 'copy-media'))
    .replaceAll('./data/restored-media', path.join(dir, 'restored-media'));
  const result = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env: childEnv({ CMS_DB, CMS_MEDIA_DIR: media }), maxBuffer: 10 * 1024 * 1024 });
  t.match(result.stderr, /^export: .*1 articles/m, 'export prints one summary line');
  t.match(result.stderr, /^import: .*\(1 articles new, 0 replaced\)/m, 'import prints one summary line');
  t.match(result.stderr, /^backup: /m);
  t.match(result.stderr, /^restore: /m);

  const slug = '/v1/articles/slug/south-korea-worries-putin-visit-could-tighten-military-bonds-between-north-and-russia';
  const original = await (await fetch(`${server.base}${slug}`)).text();
  for (const [what, db, mediaDir] of [['the imported copy', copyDb, 'copy-media'], ['the restored backup', restoredDb, 'restored-media']] as const) {
    const other = await startServer({ CMS_DB: db, CMS_MEDIA_DIR: path.join(dir, mediaDir), ...origin });
    t.teardown(other.stop);
    t.notMatch(other.output(), /admin API token/, `${what}: not a new database (nothing seeded, no token)`);
    t.equal(await (await fetch(`${other.base}${slug}`)).text(), original, `${what} serves the seed article as the original does`);
    const image = JSON.parse(original).leadImage as { id: string };
    t.equal((await fetch(`${other.base}/v1/images/${image.id}/file`)).status, 200, `${what} has the lead image's file`);
    await other.stop();
  }
});
