// Typed errors thrown by services and repositories; one handler (problem.ts) turns them
// into RFC 9457 problem details.
export type ErrorLocation = 'body' | 'query' | 'path' | 'header';

export interface FieldError {
  in: ErrorLocation;
  path: string;
  message: string;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export class BadRequestError extends HttpProblem {
  constructor(detail: string, errors?: FieldError[]) {
    super(400, 'Bad Request', detail, errors);
  }
}

export class UnauthorizedError extends HttpProblem {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="cms"' });
  }
}

export class ForbiddenError extends HttpProblem {
  constructor(detail = 'This token’s role may not do this.') {
    super(403, 'Forbidden', detail);
  }
}

export class NotFoundError extends HttpProblem {
  constructor(what: string) {
    super(404, 'Not Found', `${what} was not found.`);
  }
}

export class ConflictError extends HttpProblem {
  constructor(detail: string, errors?: FieldError[]) {
    super(409, 'Conflict', detail, errors);
  }
}

export class PreconditionFailedError extends HttpProblem {
  constructor(detail = 'If-Match does not match the current version.') {
    super(412, 'Precondition Failed', detail);
  }
}

export class UnprocessableError extends HttpProblem {
  constructor(detail: string, errors?: FieldError[]) {
    super(422, 'Unprocessable Content', detail, errors);
  }
}

export class ServiceUnavailableError extends HttpProblem {
  constructor(retryAfterSeconds: number, detail = 'The database is unreachable; try again shortly.') {
    super(503, 'Service Unavailable', detail, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export class TooManyRequestsError extends HttpProblem {
  constructor(retryAfterSeconds: number, detail = 'Too many requests; try again later.') {
    super(429, 'Too Many Requests', detail, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}
