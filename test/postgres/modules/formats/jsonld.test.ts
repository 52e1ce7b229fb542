// The PostgreSQL run of test/modules/formats/jsonld.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/formats/jsonld.test.ts'));
