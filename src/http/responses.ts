// Response declarations shared by every route: problem+json error responses by status.
import { ProblemSchema } from './problem.ts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: every failing field is listed in `errors`',
  401: 'Missing, malformed, unknown or revoked bearer token',
  403: 'The token’s role may not do this',
  404: 'No such resource, or one the caller may not see',
  409: 'Conflict with the current state (a taken slug, a resource still in use)',
  412: '`If-Match` is stale',
  413: 'Body larger than the configured limit',
  415: 'Unsupported Content-Type',
  416: 'Range not satisfiable',
  422: 'Well-formed input naming something that does not exist',
  429: 'Rate limit hit; see `Retry-After`',
};

export function problemResponse(status: number) {
  return {
    description: DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  };
}

/** `{ 400: …, 404: … }` for the given statuses, each a problem+json response. */
export function problems(...statuses: number[]): Record<number, ReturnType<typeof problemResponse>> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse(s)]));
}
