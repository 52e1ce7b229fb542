// The PostgreSQL run of test/modules/images/images.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/images/images.test.ts'));
