// The PostgreSQL run of test/concurrency.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../engine-postgres.ts';

await onPostgres(() => import('../concurrency.test.ts'));
