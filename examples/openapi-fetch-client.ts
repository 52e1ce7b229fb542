// A typed client for the content API, generated from openapi.yaml (`npm run sdk:generate`
// writes examples/generated/ with openapi-typescript; calls go through openapi-fetch).
// test/sdk/sdk.test.ts type-checks this file against the generated types and runs both flows
// over a real socket. Run it yourself against a live server:
//   npm run sdk:generate
//   CMS_URL=http://127.0.0.1:3000 CMS_TOKEN=<admin token> node --import tsx examples/openapi-fetch-client.ts
import fs from 'node:fs';
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/openapi-typescript/schema.ts';

export type Article = components['schemas']['Article'];
export type ArticleSummary = components['schemas']['ArticleSummary'];

export function connect(baseUrl: string, token?: string) {
  return createClient<paths>({ baseUrl, headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

/** The data of a successful call, or an Error with the problem's detail. */
function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/** An editor's day: token → section → author → photo → article → publish. */
export async function editorFlow(baseUrl: string, adminToken: string, photo: Uint8Array) {
  const admin = connect(baseUrl, adminToken);
  const { token } = must(await admin.POST('/v1/tokens', { body: { name: 'sdk-editor', role: 'editor' } }));
  const api = connect(baseUrl, token);

  const national = must(await api.GET('/v1/sections', { params: { query: { path: 'national' } } })).data[0];
  const section = must(await api.POST('/v1/sections', { body: { name: 'SDK Desk', parentId: national?.id ?? null } }));
  const author = must(await api.POST('/v1/authors', { body: { name: 'SDK Reporter', email: 'sdk@example.com' } }));
  const image = must(
    await api.POST('/v1/images', {
      body: { file: new Blob([new Uint8Array(photo)]) as unknown as string, caption: 'A photo sent through the SDK', credit: 'AP/YONHAP' },
      bodySerializer(body) {
        const form = new FormData();
        form.append('caption', body.caption ?? '');
        form.append('credit', body.credit ?? '');
        form.append('file', body.file as unknown as Blob, 'photo.jpg');
        return form;
      },
    }),
  );
  const draft = must(
    await api.POST('/v1/articles', {
      params: { header: { 'idempotency-key': 'sdk-flow-article' } },
      body: {
        headline: 'Typed clients read the newsroom API',
        sectionId: section.id,
        authorIds: [author.id],
        leadImage: { imageId: image.id },
        body: [
          { type: 'paragraph', text: 'Written through a generated client.' },
          { type: 'heading', level: 2, text: 'And typed' },
        ],
        tags: ['SDK'],
      },
    }),
  );
  const published = must(await api.POST('/v1/articles/{id}/publish', { params: { path: { id: draft.id } } }));
  return { section, author, image, article: published };
}

/** A front-end: a section page walked by cursor, an article by slug, then revalidation (304). */
export async function readerFlow(baseUrl: string, sectionPath: string, slug: string) {
  const api = connect(baseUrl);
  const seen: ArticleSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = must(await api.GET('/v1/articles', { params: { query: { section: sectionPath, limit: 1, cursor } } }));
    seen.push(...page.data);
    cursor = page.page.nextCursor ?? undefined;
  } while (cursor);

  const first = await api.GET('/v1/articles/slug/{slug}', { params: { path: { slug } } });
  const article: Article = must(first);
  const etag = first.response.headers.get('etag') ?? '';
  const again = await api.GET('/v1/articles/slug/{slug}', { params: { path: { slug }, header: { 'If-None-Match': etag } } });
  return { listed: seen, article, etag, revalidationStatus: again.response.status };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const baseUrl = process.env.CMS_URL ?? 'http://127.0.0.1:3000';
  const token = process.env.CMS_TOKEN;
  if (!token) throw new Error('Set CMS_TOKEN to an admin token');
  const photo = fs.readFileSync(new URL('../fixtures/images/putin-kim-vostochny.jpg', import.meta.url));
  const edited = await editorFlow(baseUrl, token, photo);
  const read = await readerFlow(baseUrl, edited.section.path, edited.article.slug);
  console.log(`published ${read.article.headline} in ${read.article.section.path}; listed ${read.listed.length}; revalidation ${read.revalidationStatus}`);
}
