// listRoute() on a bare Fastify: what it declares, the `Link` it sets, and the options only
// some lists use (params, an onRequest check, extra headers from `list`, JSON text built by the service).
import Fastify, { type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { UnauthorizedError } from '../../src/http/errors.ts';
import { listRoute } from '../../src/http/list-route.ts';
import { pageOf } from '../../src/http/pagination.ts';
import problemPlugin from '../../src/http/problem.ts';

const ITEMS = ['a', 'b', 'c'];

async function appWithList(t: Test) {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(problemPlugin, {});
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  await app.register(async (scope) => {
    listRoute(scope, {
      url: '/v1/groups/:group/items',
      operationId: 'listGroupItems',
      tags: ['groups'],
      summary: 'List a group’s items',
      description: 'Two at a time.',
      security: [{ bearerAuth: [] }],
      params: z.strictObject({ group: z.string().min(1) }),
      querystring: z.strictObject({ cursor: z.string().optional() }),
      response: pageOf(z.string(), 'ItemList'),
      problems: [404, 422],
      publicUrl: 'https://cms.example/',
      onRequest: async (request) => {
        if (request.headers['x-deny'] !== undefined) throw new UnauthorizedError('Denied before validation.');
      },
      list: async (request, reply) => {
        reply.header('x-group', request.params.group);
        const start = request.query.cursor === undefined ? 0 : Number(request.query.cursor);
        const next = start + 2 < ITEMS.length ? String(start + 2) : null;
        return { data: ITEMS.slice(start, start + 2), page: { limit: 2, nextCursor: next } };
      },
    });
    // An unpaginated list: no `page`, so never a `Link`.
    listRoute(scope, {
      url: '/v1/everything',
      operationId: 'listEverything',
      tags: ['groups'],
      summary: 'Everything',
      description: 'All of it.',
      querystring: z.strictObject({}),
      response: z.object({ data: z.array(z.string()) }),
      list: async () => ({ data: ITEMS }),
    });
    // JSON text the service built, sent as it is, still linked from its `page`.
    listRoute(scope, {
      url: '/v1/serialized',
      operationId: 'listSerialized',
      tags: ['groups'],
      summary: 'Serialized',
      description: 'Built by the service.',
      querystring: z.strictObject({ cursor: z.string().optional() }),
      response: pageOf(z.string(), 'SerializedList'),
      list: async (request) => {
        const nextCursor = request.query.cursor === undefined ? '1' : null;
        return { json: `{ "data": ["a"], "page": { "limit": 1, "nextCursor": ${JSON.stringify(nextCursor)} } }`, page: { nextCursor } };
      },
    });
  });
  t.teardown(() => app.close());
  return { app, routes };
}

t.test('declares the route with the 200 list and the problems every list answers', async (t) => {
  const { routes } = await appWithList(t);
  const paged = routes.find((r) => r.url === '/v1/groups/:group/items')!;
  t.equal(paged.method, 'GET');
  t.match(paged.schema, { operationId: 'listGroupItems', tags: ['groups'], summary: 'List a group’s items', security: [{ bearerAuth: [] }] });
  t.ok(paged.schema!.params, 'params declared');
  t.strictSame(Object.keys(paged.schema!.response as object), ['200', '400', '401', '404', '422']);
  const plain = routes.find((r) => r.url === '/v1/everything')!;
  t.notOk('security' in plain.schema!, 'no security unless given');
  t.notOk('params' in plain.schema!, 'no params unless given');
  t.strictSame(Object.keys(plain.schema!.response as object), ['200', '400', '401']);
});

t.test('links the next page from the public URL, not on the last page', async (t) => {
  const { app } = await appWithList(t);
  const first = await app.inject({ url: '/v1/groups/g1/items' });
  t.equal(first.statusCode, 200);
  t.strictSame(first.json(), { data: ['a', 'b'], page: { limit: 2, nextCursor: '2' } });
  t.equal(first.headers.link, '<https://cms.example/v1/groups/g1/items?cursor=2>; rel="next"');
  t.equal(first.headers['x-group'], 'g1', 'list may set headers');
  const last = await app.inject({ url: '/v1/groups/g1/items?cursor=2' });
  t.strictSame(last.json(), { data: ['c'], page: { limit: 2, nextCursor: null } });
  t.notOk(last.headers.link);
  const all = await app.inject({ url: '/v1/everything' });
  t.strictSame(all.json(), { data: ITEMS });
  t.notOk(all.headers.link);
});

t.test('onRequest answers before validation', async (t) => {
  const { app } = await appWithList(t);
  const invalid = await app.inject({ url: '/v1/groups/g1/items?bogus=1' });
  t.equal(invalid.statusCode, 400);
  const denied = await app.inject({ url: '/v1/groups/g1/items?bogus=1', headers: { 'x-deny': '1' } });
  t.equal(denied.statusCode, 401);
  t.equal(denied.json().detail, 'Denied before validation.');
});

t.test('sends JSON text from the service as it is, with the Link from its page', async (t) => {
  const { app } = await appWithList(t);
  const first = await app.inject({ url: '/v1/serialized' });
  t.equal(first.statusCode, 200);
  t.equal(first.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(first.body, '{ "data": ["a"], "page": { "limit": 1, "nextCursor": "1" } }', 'not re-serialized');
  t.match(first.headers.link, /\/v1\/serialized\?cursor=1>; rel="next"$/);
  const last = await app.inject({ url: '/v1/serialized?cursor=1' });
  t.strictSame(last.json(), { data: ['a'], page: { limit: 1, nextCursor: null } });
  t.notOk(last.headers.link);
});
