// `npm run openapi`: writes openapi.yaml from the code. A test fails when the committed file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSpecYaml } from './spec.ts';

export const SPEC_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../openapi.yaml');

fs.writeFileSync(SPEC_FILE, await renderSpecYaml());
console.log(`wrote ${SPEC_FILE}`);
