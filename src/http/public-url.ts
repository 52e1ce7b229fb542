// Absolute URLs of this API's own resources: CMS_PUBLIC_URL + path when it is set, else the
// request's own origin (as for `Link` headers).
import type { FastifyRequest } from 'fastify';

/** This API's origin for a request, without a trailing slash. */
export function apiOrigin(request: FastifyRequest, publicUrl?: string): string {
  return (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/** A path of this API (`/v1/…`) made absolute; an absolute URL is returned as it is. */
export function absoluteUrl(request: FastifyRequest, publicUrl: string | undefined, pathOrUrl: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) ? pathOrUrl : `${apiOrigin(request, publicUrl)}${pathOrUrl}`;
}
