// The PostgreSQL run of test/modules/formats/ninjs.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/formats/ninjs.test.ts'));
