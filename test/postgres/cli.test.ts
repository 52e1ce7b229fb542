// The PostgreSQL run of test/cli.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../engine-postgres.ts';

await onPostgres(() => import('../cli.test.ts'));
