// The PostgreSQL run of test/http/request-id.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/request-id.test.ts'));
