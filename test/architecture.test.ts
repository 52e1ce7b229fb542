// Layering: src/http is plumbing shared by every module, so it depends on small interfaces of
// its own (wired in app.ts) and never on a module or on the Drizzle schema; modules import
// http, not the reverse.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Every module specifier a file names: static, type-only, re-exports, side-effect, `import()`. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Why `specifier`, imported by `file`, is out of bounds for src/http; null when it is fine. */
function forbidden(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = path.relative(SRC, path.resolve(path.dirname(file), specifier)).split(path.sep).join('/');
  if (target.startsWith('modules/')) return 'a module';
  if (/^db\/schema(-[a-z]+)?\.ts$/.test(target)) return 'the Drizzle schema';
  return null;
}

t.test('the import scanner sees every form of import', async (t) => {
  const text = [
    "import a from '../modules/a.ts';",
    "import type { B } from '../db/schema.ts';",
    "export * from './c.ts';",
    "import '../modules/d.ts';",
    "const e = await import('../modules/e.ts');",
    "let f: import('../db/schema-postgres.ts').F;",
    "import fp from 'fastify-plugin';",
  ].join('\n');
  const file = path.join(SRC, 'http', 'x.ts');
  t.strictSame(
    importsOf(text).map((s) => forbidden(file, s)),
    ['a module', 'the Drizzle schema', null, 'a module', 'a module', 'the Drizzle schema', null],
  );
});

t.test('src/http imports neither a module nor the Drizzle schema', async (t) => {
  const files = tsFiles(path.join(SRC, 'http'));
  t.ok(files.length >= 10, `scanned ${files.length} files`);
  const violations = files.flatMap((file) =>
    importsOf(fs.readFileSync(file, 'utf8')).flatMap((specifier) => {
      const why = forbidden(file, specifier);
      return why ? [`${path.relative(SRC, file)} imports ${why}: ${specifier}`] : [];
    }),
  );
  t.strictSame(violations, []);
});
