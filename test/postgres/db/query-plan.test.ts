// The PostgreSQL run of test/db/query-plan.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../db/query-plan.test.ts'));
