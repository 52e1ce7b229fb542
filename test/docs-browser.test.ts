// GET /docs in a real headless Chromium (Debian's package, driven by playwright-core): the
// reference loads with no console errors and lists the article operations. A screenshot
// goes to test/artifacts/docs.png (not committed).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import t from 'tap';
import { build } from './helper.ts';
import { ROOT } from './process.ts';
import { CHROMIUM, skipped } from './services.ts';

t.test('the /docs reference renders in Chromium without console errors', { skip: skipped('chromium') ?? false }, async (t) => {
  t.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} exists (.ci/run installs Debian's chromium package)`);
  if (!fs.existsSync(CHROMIUM)) return;
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  const external: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith('data:')) external.push(req.url());
  });

  const response = await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
  t.equal(response?.status(), 200);
  await page.getByText('List articles').first().waitFor({ timeout: 15_000 });
  const text = await page.locator('body').innerText();
  for (const summary of ['List articles', 'Get an article by slug', 'Create an article (a draft)', 'Publish now, at a past date, or schedule']) {
    t.ok(text.includes(summary), `the reference lists “${summary}”`);
  }
  fs.mkdirSync(path.join(ROOT, 'test/artifacts'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test/artifacts/docs.png'), fullPage: false });
  t.same(problems, [], 'no console errors');
  t.comment(`requests to other origins (blocked offline, must not be needed): ${external.length ? external.join(', ') : 'none'}`);
});
