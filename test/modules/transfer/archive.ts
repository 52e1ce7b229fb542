// A rich archive for the round-trip test, made through the API as a newsroom would make it:
// on top of the seed, a new section and author, uploaded images (one never used, so private),
// articles in every status (draft, scheduled for later, published now and in past months,
// archived, unpublished, deleted), edits making several revisions and a restored one, a
// correction, a translation pair (translationOf) in another language, related links internal
// (two articles linking to each other) and external, image body blocks, secondary sections,
// tags, kickers, datelines, a canonical URL, and webhooks (one disabled). The clock moves a
// minute between steps so that times differ, and stays behind the real clock (an import
// decides what is public by the real one).
import sharp from 'sharp';
import type { Built } from '../../helper.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

async function call(b: Built, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, role: 'editor' | 'admin' = 'editor'): Promise<any> {
  b.clock.advance(MINUTE);
  const res = await b.app.inject({ method, url, headers: { ...b.auth(role), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? null : res.json();
}

/** POST /v1/images as multipart/form-data, as a browser form sends it. */
async function upload(b: Built, file: Buffer, filename: string, type: string, fields: Record<string, string>): Promise<any> {
  b.clock.advance(MINUTE);
  const boundary = `----cms-test-${Math.random().toString(36).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`));
  const res = await b.app.inject({ method: 'POST', url: '/v1/images', headers: { ...b.auth('writer'), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: Buffer.concat(parts) });
  if (res.statusCode !== 201) throw new Error(`upload ${filename}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export interface Archive {
  /** Articles to open through preview links (any status). */
  previews: string[];
}

export async function buildRichArchive(b: Built): Promise<Archive> {
  const sections = new Map(((await call(b, 'GET', '/v1/sections?limit=100')).data as any[]).map((s) => [s.path, s.id]));
  const seedAuthors = (await call(b, 'GET', '/v1/authors')).data.map((a: any) => a.id);
  const film = await call(b, 'POST', '/v1/sections', { name: 'Festivals', parentId: sections.get('culture/film'), description: 'Cinema festivals & the box office', position: 0 });
  const author = await call(b, 'POST', '/v1/authors', { name: 'Sofía Muñoz', title: 'Lisbon correspondent', bio: 'Covers Iberia.\nFormerly in Seoul.', email: 'sofia@example.com' });

  const photo = await upload(b, await sharp({ create: { width: 1280, height: 853, channels: 3, background: '#2a6' } }).jpeg().toBuffer(), 'harbour.jpg', 'image/jpeg', { alt: 'The harbour at dawn', caption: 'Busan harbour', credit: 'AP/YONHAP' });
  await call(b, 'PATCH', `/v1/images/${photo.id}`, { focalPoint: { x: 0.25, y: 0.6 } });
  const chart = await upload(b, await sharp({ create: { width: 800, height: 600, channels: 4, background: '#c33c' } }).png().toBuffer(), 'chart.png', 'image/png', { alt: 'Exports by month' });
  await upload(b, await sharp({ create: { width: 640, height: 480, channels: 3, background: '#333' } }).webp().toBuffer(), 'unused.webp', 'image/webp', {});

  const main = sections.get('national/north-korea')!;
  const business = sections.get('business')!;
  const lead = await call(b, 'POST', '/v1/articles', {
    headline: 'Exports <rise> & ports reopen after the storm',
    subheadline: 'Shipping resumes at Busan',
    summary: 'Container traffic is back to normal.',
    kicker: 'Analysis',
    dateline: 'BUSAN',
    sectionId: main,
    secondarySectionIds: [business, film.id],
    authorIds: [author.id, seedAuthors[0]],
    leadImage: { imageId: photo.id, caption: 'Cranes at Busan, Tuesday' },
    tags: ['Trade', 'Shipping', 'Busan'],
    body: [
      { type: 'paragraph', text: 'Ports reopened on Tuesday after the typhoon.' },
      { type: 'heading', level: 2, text: 'What changed' },
      { type: 'image', imageId: chart.id, caption: 'Exports by month', credit: 'Customs office' },
      { type: 'quote', text: 'We are back.', attribution: 'A harbour master' },
      { type: 'list', ordered: true, items: ['Cranes', 'Tugs', 'Pilots'] },
      { type: 'embed', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' },
    ],
    relatedLinks: [{ title: 'Port authority', url: 'https://www.busanpa.com/eng/' }],
  });
  await call(b, 'PATCH', `/v1/articles/${lead.id}`, { headline: 'Exports rise as ports reopen after the storm' });
  await call(b, 'PATCH', `/v1/articles/${lead.id}`, { summary: 'Container traffic is back to normal, officials say.' });
  await call(b, 'POST', `/v1/articles/${lead.id}/publish`, {});

  // Linking to each other: the second names the first, then the first names the second.
  const reply = await call(b, 'POST', '/v1/articles', {
    headline: 'Shipping lines add routes', sectionId: business, authorIds: [seedAuthors[1]], tags: ['Shipping'],
    body: [{ type: 'paragraph', text: 'Three new routes to Lisbon.' }], relatedLinks: [{ articleId: lead.id }, { title: 'Earlier: the storm', articleId: lead.id }],
  });
  await call(b, 'POST', `/v1/articles/${reply.id}/publish`, {});
  await call(b, 'PATCH', `/v1/articles/${lead.id}`, { relatedLinks: [{ title: 'Port authority', url: 'https://www.busanpa.com/eng/' }, { articleId: reply.id }] });
  await call(b, 'POST', `/v1/articles/${lead.id}/corrections`, { text: 'An earlier version misnamed the port.' });

  // A translation of the lead, in Korean.
  const korean = await call(b, 'POST', '/v1/articles', {
    headline: '폭풍 후 항구 재개장', sectionId: main, language: 'ko', translationOf: lead.id, authorIds: [seedAuthors[0]], tags: ['Busan'],
    body: [{ type: 'paragraph', text: '태풍 이후 항구가 다시 문을 열었다.' }], dateline: '부산',
  });
  await call(b, 'POST', `/v1/articles/${korean.id}/publish`, {});

  // Published in past months (sitemap month files), one in Brazilian Portuguese with a canonical URL.
  const old = await call(b, 'POST', '/v1/articles', { headline: 'A look back at the 2024 season', sectionId: sections.get('sports')!, tags: ['Review'], body: [{ type: 'paragraph', text: 'It was a long season.' }] });
  await call(b, 'POST', `/v1/articles/${old.id}/publish`, { publishAt: '2024-03-15T08:30:00.000Z' });
  const lisbon = await call(b, 'POST', '/v1/articles', {
    headline: 'Lisboa recebe o festival de cinema', sectionId: film.id, language: 'pt-BR', authorIds: [author.id], canonicalUrl: 'https://partner.example.org/festival',
    body: [{ type: 'paragraph', text: 'O festival começa hoje.' }, { type: 'image', imageId: photo.id }],
  });
  await call(b, 'POST', `/v1/articles/${lisbon.id}/publish`, { publishAt: '2025-07-01T12:00:00.000Z' });
  await call(b, 'PATCH', `/v1/articles/${lisbon.id}`, { kicker: 'Festival' });
  await call(b, 'POST', `/v1/articles/${lisbon.id}/revisions/1/restore`);

  // Every other status: scheduled for later, draft, archived, unpublished, deleted.
  const scheduled = await call(b, 'POST', '/v1/articles', { headline: 'The summit opens next week', sectionId: main, tags: ['Summit'], body: [{ type: 'paragraph', text: 'Preparations.' }] });
  await call(b, 'POST', `/v1/articles/${scheduled.id}/publish`, { publishAt: new Date(b.clock.now() + 3 * DAY).toISOString() });
  const draft = await call(b, 'POST', '/v1/articles', { headline: 'Draft: budget talks', sectionId: business, tags: ['Budget'], leadImage: { imageId: chart.id } });
  await call(b, 'PATCH', `/v1/articles/${draft.id}`, { body: [{ type: 'paragraph', text: 'Not ready.' }] });
  const archived = await call(b, 'POST', '/v1/articles', { headline: 'An archived storm warning', sectionId: main, tags: ['Shipping'] });
  await call(b, 'POST', `/v1/articles/${archived.id}/publish`, {});
  await call(b, 'POST', `/v1/articles/${archived.id}/archive`, {});
  const pulled = await call(b, 'POST', '/v1/articles', { headline: 'A pulled story', sectionId: main });
  await call(b, 'POST', `/v1/articles/${pulled.id}/publish`, {});
  await call(b, 'POST', `/v1/articles/${pulled.id}/unpublish`, {});
  const gone = await call(b, 'POST', '/v1/articles', { headline: 'A deleted story', sectionId: main });
  await call(b, 'POST', `/v1/articles/${gone.id}/publish`, {});
  await call(b, 'DELETE', `/v1/articles/${gone.id}`);

  // Webhooks last: no event of the archive above is queued for them.
  await call(b, 'POST', '/v1/webhooks', { url: 'https://93.184.215.14/hooks/cms', events: ['article.published', 'article.updated'], description: 'Front end' }, 'admin');
  const off = await call(b, 'POST', '/v1/webhooks', { url: 'https://93.184.215.14/hooks/all', events: ['*'] }, 'admin');
  await call(b, 'PATCH', `/v1/webhooks/${off.id}`, { status: 'disabled' }, 'admin');

  return { previews: [lead.id, draft.id, scheduled.id, archived.id] };
}
