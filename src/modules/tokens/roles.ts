// Roles (writer < editor < admin) are the HTTP plumbing's (src/http/auth.ts); the tokens table
// stores the same names. Services take the role checks from here.
import type { TokenRole } from '../../db/schema.ts';
import type { Role } from '../../http/auth.ts';

export { hasRole, requireRoleOf, type Principal } from '../../http/auth.ts';

/** A compile error here means the stored roles and the roles routes ask for have drifted apart. */
export type StoredRolesAreRoles = Assert<[TokenRole] extends [Role] ? ([Role] extends [TokenRole] ? true : false) : false>;
type Assert<T extends true> = T;
