// The PostgreSQL run of test/modules/sections/write.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/sections/write.test.ts'));
