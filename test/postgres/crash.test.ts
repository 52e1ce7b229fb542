// The PostgreSQL run of test/crash.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../engine-postgres.ts';

await onPostgres(() => import('../crash.test.ts'));
