// The PostgreSQL run of test/modules/images/serving.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/images/serving.test.ts'));
