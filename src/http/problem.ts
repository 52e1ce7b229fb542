// Every failure leaves the service as RFC 9457 problem+json: typed errors, validation
// errors from zod, Fastify's own errors (bad JSON, wrong content type, body too large) and
// anything unexpected (logged, shown as a bare 500 with no detail). Each names the request's
// id (`requestId`: the `X-Request-Id` header, `reqId` on the request's log lines).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { type ErrorLocation, type FieldError, HttpProblem } from './errors.ts';
import { READ_ONLY_FIELDS } from './input.ts';

export const FieldErrorSchema = z
  .object({
    in: z.enum(['body', 'query', 'path', 'header']).describe('Which part of the request holds the field'),
    path: z.string().describe('Dotted path of the field inside that part, e.g. `body.0.text`'),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

export const ProblemSchema = z
  .object({
    type: z.string().describe('A URI naming the kind of problem'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional().describe('Every failing field, when input was at fault'),
    requestId: z
      .string()
      .describe('The id of the request, also in the `X-Request-Id` response header and as `reqId` on every log line of the request (the caller’s own `X-Request-Id` when it is 1–128 visible ASCII characters): quote it when reporting a problem'),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details',
    examples: [
      {
        type: 'urn:newsroom-cms:problem:bad-request',
        title: 'Bad Request',
        status: 400,
        detail: 'The request body is invalid: headline, body.0.text.',
        errors: [
          { in: 'body', path: 'headline', message: 'Must not be empty' },
          { in: 'body', path: 'body.0.text', message: 'Invalid input: expected string, received number' },
        ],
        requestId: '0b7e4a7c-3f9d-4c55-9a0e-6d8f2b1c4e21',
      },
    ],
  });

export type Problem = z.infer<typeof ProblemSchema>;
/** A problem as the handlers make it; sendProblem adds the request's id. */
type ProblemBody = Omit<Problem, 'requestId'>;

const LOCATIONS: Record<string, ErrorLocation> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

function problemType(status: number): string {
  const slug = (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `urn:newsroom-cms:problem:${slug}`;
}

interface ZodIssueLike {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Turns zod issues into field errors; an unknown key is reported at its own path. */
export function fieldErrorsFromIssues(issues: ZodIssueLike[], where: ErrorLocation): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.instancePath.split('/').filter(Boolean).join('.');
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)) {
      for (const key of issue.params.keys as string[]) {
        const readOnly = where === 'body' && base === '' && READ_ONLY_FIELDS.has(key);
        out.push({ in: where, path: base ? `${base}.${key}` : key, message: readOnly ? 'Read-only field: set by the server' : 'Unknown field' });
      }
      continue;
    }
    out.push({ in: where, path: base, message: issue.message ?? 'Invalid value' });
  }
  return out;
}

function toProblem(error: FastifyError | HttpProblem | Error): { problem: ProblemBody; headers: Record<string, string> } {
  if (error instanceof HttpProblem) {
    return {
      problem: {
        type: problemType(error.status),
        title: error.title,
        status: error.status,
        detail: error.message,
        ...(error.errors ? { errors: error.errors } : {}),
      },
      headers: error.headers,
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = LOCATIONS[(error as FastifyError).validationContext ?? 'body'] ?? 'body';
    const errors = fieldErrorsFromIssues(error.validation as unknown as ZodIssueLike[], where);
    return {
      problem: {
        type: problemType(400),
        title: 'Bad Request',
        status: 400,
        detail: `The request ${where === 'path' ? 'path' : where} is invalid: ${errors.map((e) => e.path || '(root)').join(', ')}.`,
        errors,
      },
      headers: {},
    };
  }
  const fe = error as FastifyError;
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
  if (status >= 500) {
    return {
      problem: { type: problemType(500), title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.' },
      headers: {},
    };
  }
  let detail = fe.message;
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) detail = 'The body is not valid JSON.';
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') detail = 'The body is larger than this server accepts.';
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') detail = 'This endpoint does not accept that Content-Type.';
  return {
    problem: { type: problemType(status), title: STATUS_CODES[status] ?? 'Error', status, detail },
    headers: {},
  };
}

export function sendProblem(reply: FastifyReply, problem: ProblemBody, headers: Record<string, string> = {}) {
  const requestId = reply.request.id;
  return reply
    .code(problem.status)
    .headers(headers)
    .header('cache-control', 'no-store')
    .header('x-request-id', requestId)
    .type('application/problem+json; charset=utf-8')
    .send({ ...problem, requestId } satisfies Problem);
}

export interface ProblemOptions {
  /**
   * Turns an error from below the HTTP layer (the database driver's) into a typed problem, or
   * null to leave it alone: wired by the app from the database dialect (unreachable → 503,
   * a unique key taken by a concurrent write → 409).
   */
  translate?: (error: unknown) => HttpProblem | null;
}

export default fp(
  async function problemPlugin(app: FastifyInstance, opts: ProblemOptions) {
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const translated = error instanceof HttpProblem ? null : (opts.translate?.(error) ?? null);
      const { problem, headers } = toProblem(translated ?? error);
      if (translated) request.log.warn({ err: error }, translated.message);
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, problem, headers);
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        type: problemType(404),
        title: 'Not Found',
        status: 404,
        detail: `No route for ${request.method} ${request.url.split('?')[0]}.`,
      }),
    );
  },
  { name: 'problem' },
);

/** Fastify's own early failures (a malformed URL, an overlong path segment) as problems too. */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  return sendProblem(reply, {
    type: problemType(status),
    title: STATUS_CODES[status] ?? 'Bad Request',
    status,
    detail: status === 414 ? 'A path segment is too long.' : 'The URL is malformed (bad percent-encoding).',
    errors: [{ in: 'path', path: '', message: status === 414 ? 'Too long' : 'Malformed URL' }],
  });
}
