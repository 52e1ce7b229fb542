// The PostgreSQL run of test/readme.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../engine-postgres.ts';

await onPostgres(() => import('../readme.test.ts'));
