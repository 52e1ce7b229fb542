// The PostgreSQL run of test/modules/transfer/interrupt.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/transfer/interrupt.test.ts'));
