// The PostgreSQL run of test/http/response-cache.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/response-cache.test.ts'));
