// The PostgreSQL run of test/http/rate-limits.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/rate-limits.test.ts'));
