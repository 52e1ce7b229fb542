// Both migration folders are what drizzle-kit generates from the schema files: a schema
// change without its migration fails here. drizzle-kit runs against a copy of each folder.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { tempDir } from '../helper.ts';
import { ROOT } from '../process.ts';

const run = promisify(execFile);

for (const [dialect, schema, folder] of [
  ['sqlite', 'src/db/schema.ts', 'migrations/sqlite'],
  ['postgresql', 'src/db/schema-postgres.ts', 'migrations/postgres'],
] as const) {
  t.test(`${folder} is current with ${schema}`, async (t) => {
    const dir = tempDir(t, 'cms-migrations-');
    const out = path.join(dir, 'out');
    fs.cpSync(path.join(ROOT, folder), out, { recursive: true });
    const config = path.join(dir, 'drizzle.config.mjs');
    // drizzle-kit takes `out` relative to the working directory.
    fs.writeFileSync(config, `export default ${JSON.stringify({ dialect, schema: path.relative(dir, path.join(ROOT, schema)), out: './out' })};\n`);
    const before = fs.readdirSync(out).sort();
    const { stdout, stderr } = await run(path.join(ROOT, 'node_modules/.bin/drizzle-kit'), ['generate', '--config', config], { cwd: dir, timeout: 120_000 });
    t.match(`${stdout}${stderr}`, /No schema changes/, 'drizzle-kit finds nothing to generate');
    t.same(fs.readdirSync(out).sort(), before, 'and writes no new migration');
  });
}
