// The PostgreSQL run of test/http/metrics.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../engine-postgres.ts';

await onPostgres(() => import('../../http/metrics.test.ts'));
