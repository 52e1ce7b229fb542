// The PostgreSQL run of test/http/hostile-input.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/hostile-input.test.ts'));
