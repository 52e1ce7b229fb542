// `npm run operation-coverage` (after `npm test`): which operations of openapi.yaml the test
// suite called, from what test/contract.ts recorded in test/artifacts/operations/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const spec = parse(fs.readFileSync(path.join(root, 'openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, { operationId: string }>> };
const all = Object.values(spec.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
const dir = path.join(root, 'test/artifacts/operations');
const called = new Set<string>();
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  for (const id of JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as string[]) called.add(id);
}
const missing = all.filter((id) => !called.has(id));
console.log(`operations called by the suite: ${all.length - missing.length} of ${all.length}`);
if (missing.length > 0) console.log(`not called: ${missing.join(', ')}`);
process.exitCode = missing.length > 0 ? 1 : 0;
