// The PostgreSQL run of test/http/surrogate-keys.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/surrogate-keys.test.ts'));
