// Roles: writer < editor < admin. A principal is who a valid token says the caller is.
import type { TokenRole } from '../../db/schema.ts';
import { ForbiddenError } from '../../http/errors.ts';

export interface Principal {
  tokenId: string;
  name: string;
  role: TokenRole;
}

const RANK: Record<TokenRole, number> = { writer: 1, editor: 2, admin: 3 };

export function hasRole(principal: Principal, role: TokenRole): boolean {
  return RANK[principal.role] >= RANK[role];
}

/** 403 unless the principal's role is `role` or higher. */
export function requireRoleOf(principal: Principal, role: TokenRole): void {
  if (!hasRole(principal, role)) throw new ForbiddenError(`This needs the ${role} role or higher; this token is a ${principal.role}.`);
}
