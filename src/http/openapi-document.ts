// Finishing touches on the generated OpenAPI document, in one place:
// - the zod provider names the request copy of a schema `FooInput`; where only one copy is
//   used it gets the plain name, and components nothing refers to are dropped;
// - the HTTP behaviour every route shares (ETag/If-None-Match/304 on reads, Link on lists,
//   Location on creates, WWW-Authenticate on 401, Retry-After on 429) is written onto each
//   operation, so generated clients and readers see it.
type Json = Record<string, any>;

const REF = '#/components/schemas/';

function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) out.add(v.slice(REF.length));
      else collectRefs(v, out);
    }
  }
}

function renameRefs(node: unknown, from: string, to: string): void {
  if (Array.isArray(node)) node.forEach((n) => renameRefs(n, from, to));
  else if (node && typeof node === 'object') {
    const obj = node as Json;
    for (const [k, v] of Object.entries(obj)) {
      if (k === '$ref' && v === REF + from) obj[k] = REF + to;
      else renameRefs(v, from, to);
    }
  }
}

/** Names reachable from the paths (following refs between components). */
function reachable(doc: Json): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  const first = new Set<string>();
  collectRefs(doc.paths, first);
  queue.push(...first);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const next = new Set<string>();
    collectRefs(doc.components?.schemas?.[name], next);
    queue.push(...next);
  }
  return seen;
}

function tidyComponents(doc: Json): void {
  const schemas: Json = doc.components?.schemas ?? {};
  let used = reachable(doc);
  for (const name of Object.keys(schemas)) {
    if (!name.endsWith('Input')) continue;
    const plain = name.slice(0, -'Input'.length);
    if (used.has(name) && !used.has(plain)) {
      delete schemas[plain];
      schemas[plain] = schemas[name];
      delete schemas[name];
      renameRefs(doc, name, plain);
    }
  }
  used = reachable(doc);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  doc.components.schemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

const header = (description: string, schema: Json = { type: 'string' }) => ({ description, schema });

function decorateOperations(doc: Json): void {
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      // An optional body (zod `.nullable().optional()`) is a request body that may be absent.
      for (const media of Object.values<Json>(op.requestBody?.content ?? {})) {
        const branches: Json[] | undefined = media.schema?.anyOf;
        const nonNull = branches?.filter((b) => b.type !== 'null');
        if (branches && nonNull?.length === 1 && nonNull.length < branches.length) {
          media.schema = nonNull[0];
          op.requestBody.required = false;
        }
      }
      const responses: Json = op.responses ?? {};
      // Failed authentication is rate-limited per address on every route that takes a token.
      if (responses['401'] && !responses['429']) {
        responses['429'] = {
          description: 'Rate limit hit; see `Retry-After`',
          content: { 'application/problem+json': { schema: { $ref: `${REF}Problem` } } },
        };
      }
      // Any operation that reads the database answers 503 while the database is unreachable.
      if (!responses['503'] && path !== '/openapi.json' && path !== '/openapi.yaml') {
        responses['503'] = {
          description: 'The database is unreachable for a moment; retry after `Retry-After` seconds',
          content: { 'application/problem+json': { schema: { $ref: `${REF}Problem` } } },
        };
      }
      if (responses['503']) {
        responses['503'].headers = { 'Retry-After': header('Seconds until a retry may succeed', { type: 'integer' }) };
      }
      if (responses['401']) {
        responses['401'].headers = { 'WWW-Authenticate': header('`Bearer realm="cms"`') };
      }
      if (responses['429']) {
        responses['429'].headers = { 'Retry-After': header('Seconds until a request may succeed', { type: 'integer' }) };
      }
      if (responses['201']) {
        responses['201'].headers = {
          Location: header('Path of the new resource'),
          ...(path === '/v1/articles' ? { ETag: header('Strong ETag of the article, for `If-Match`') } : {}),
        };
      }
      if (method !== 'get' || path === '/health') continue;
      const ok = responses['200'];
      const schemaRef: string | undefined = ok?.content?.['application/json']?.schema?.$ref;
      const isList = schemaRef?.endsWith('List') ?? false;
      if (ok) {
        ok.headers = {
          ETag: header('Strong validator of this representation; send it back in `If-None-Match` (and `If-Match` for articles)'),
          'Cache-Control': header('`public, max-age=…` without a token, `private, no-store` with one (image files: immutable)'),
          ...(isList ? { Link: header('`<absolute URL of the next page>; rel="next"` while there is a next page') } : {}),
          // Every public read names what it shows (src/http/surrogate-keys.ts); not the
          // preview, sync or admin reads.
          ...(path.startsWith('/v1/preview') || path === '/v1/sync' || path.startsWith('/v1/webhooks') || path.startsWith('/v1/tokens')
            ? {}
            : { 'Surrogate-Key': header('Space-separated keys of what the response shows (`article-<id>`, `section-<id>`, `author-<id>`, `image-<id>`, `tag-<slug>`, `articles`), for CDN purges; webhook events carry the keys to purge') }),
        };
      }
      responses['304'] = { description: 'Not Modified: `If-None-Match` matched the current ETag; no body' };
      op.parameters = [
        ...(op.parameters ?? []),
        {
          in: 'header',
          name: 'If-None-Match',
          required: false,
          description: 'An ETag from an earlier response; 304 when it still matches',
          schema: { type: 'string' },
        },
      ];
    }
  }
}

export function finishDocument(doc: Json): Json {
  tidyComponents(doc);
  decorateOperations(doc);
  return doc;
}
