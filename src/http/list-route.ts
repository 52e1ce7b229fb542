// The shape every collection GET shares: a declared querystring, the list as 200 beside the
// problems it may answer, one service call, and `Link: <…>; rel="next"` when a next page exists.
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { setNextLink } from './pagination.ts';
import { problems } from './responses.ts';

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/** A list response: its items, and the page info when the list is paginated. */
export interface ListBody {
  data: unknown[];
  page?: { nextCursor: string | null };
}

/**
 * A list the service serialized itself (JSON text spliced from stored documents): sent as it
 * is, so the 200 schema only describes it in the spec; its `page` sets the `Link` as a body's.
 */
export interface SerializedList {
  json: string;
  page?: { nextCursor: string | null };
}

function isSerialized(body: ListBody | SerializedList): body is SerializedList {
  return typeof (body as Partial<SerializedList>).json === 'string';
}

export interface ListRoute<Q extends z.ZodType, R extends z.ZodType<ListBody>, P extends z.ZodType> {
  url: string;
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  security?: Record<string, string[]>[];
  params?: P;
  querystring: Q;
  /** The 200 body. */
  response: R;
  /** Problem statuses besides 400 (validation) and 401 (a bad token), which every list answers. */
  problems?: number[];
  /** Runs before validation (a check that must answer 401 ahead of a 400). */
  onRequest?: (request: FastifyRequest) => Promise<void>;
  /** The origin of the `Link` header's URL (CMS_PUBLIC_URL); the request's own when absent. */
  publicUrl?: string;
  /**
   * The one service call. It may also set headers on `reply` or `request.cacheDeps` (what a
   * cached copy depends on); the `Link` header is set from the returned `page`. It returns the
   * body, or a `SerializedList` when the service built the JSON text.
   */
  list: (request: FastifyRequest<{ Querystring: z.output<Q>; Params: z.output<P> }>, reply: FastifyReply) => Promise<z.output<R> | SerializedList>;
}

export function listRoute<Q extends z.ZodType, R extends z.ZodType<ListBody>, P extends z.ZodType = z.ZodNever>(
  app: ZodApp,
  route: ListRoute<Q, R, P>,
): void {
  const { url, operationId, tags, summary, description, security, params, querystring, response, onRequest, publicUrl, list } = route;
  // Typed as plain FastifySchema: the request's types come from `list`'s signature instead.
  const schema: FastifySchema = {
    operationId,
    tags,
    summary,
    description,
    ...(security && { security }),
    ...(params && { params }),
    querystring,
    response: { 200: response, ...problems(400, 401, ...(route.problems ?? [])) },
  };
  app.route({
    method: 'GET',
    url,
    schema,
    ...(onRequest && { onRequest }),
    handler: async (request, reply) => {
      const body = await list(request as FastifyRequest as FastifyRequest<{ Querystring: z.output<Q>; Params: z.output<P> }>, reply);
      if (body.page) setNextLink(request, reply, body.page.nextCursor, publicUrl);
      return isSerialized(body) ? reply.type('application/json; charset=utf-8').send(body.json) : body;
    },
  });
}
