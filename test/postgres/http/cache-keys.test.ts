// The PostgreSQL run of test/http/cache-keys.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/cache-keys.test.ts'));
