// The spec is only as good as the clients it yields: generate two clients from the committed
// openapi.yaml (openapi-typescript + openapi-fetch, and @hey-api/openapi-ts), type-check the
// example code written against them, and run the editor and reader flows over a real socket.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { build } from '../helper.ts';
import { childEnv, ROOT } from '../process.ts';

const run = promisify(execFile);

t.test('generated SDKs: type-checked, and the editor and reader flows work through them', async (t) => {
  fs.rmSync(path.join(ROOT, 'examples/generated'), { recursive: true, force: true });
  await run('npm', ['run', '-s', 'sdk:generate'], { cwd: ROOT, env: childEnv() });
  t.ok(fs.existsSync(path.join(ROOT, 'examples/generated/openapi-typescript/schema.ts')), 'openapi-typescript output');
  t.ok(fs.existsSync(path.join(ROOT, 'examples/generated/hey-api/sdk.gen.ts')), '@hey-api/openapi-ts output');

  const typecheck = await run(path.join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'examples/tsconfig.json'], { cwd: ROOT, env: childEnv() }).then(
    () => ({ code: 0, out: '' }),
    (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
  );
  t.equal(typecheck.code, 0, `the examples type-check against the generated clients${typecheck.out ? `:\n${typecheck.out}` : ''}`);

  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const adminToken = b.auth('admin').authorization.slice('Bearer '.length);
  // The flows run in their own process, as a client program would (and so the generated
  // code is not counted in the server's coverage).
  const flows = await run('node', ['--import', 'tsx', 'examples/run-flows.ts'], {
    cwd: ROOT,
    env: childEnv({ CMS_URL: base, CMS_TOKEN: adminToken }),
    maxBuffer: 10 * 1024 * 1024,
  });
  const { edited, read, hey } = JSON.parse(flows.stdout) as {
    edited: Awaited<ReturnType<typeof import('../../examples/openapi-fetch-client.ts').editorFlow>>;
    read: Awaited<ReturnType<typeof import('../../examples/openapi-fetch-client.ts').readerFlow>>;
    hey: Awaited<ReturnType<typeof import('../../examples/hey-api-reader.ts').heyApiReaderFlow>>;
  };
  t.equal(edited.article.status, 'published');
  t.equal(edited.section.path, 'national/sdk-desk');
  t.same(edited.article.authors.map((a) => a.name), ['SDK Reporter']);
  t.match(edited.article.leadImage, { credit: 'AP/YONHAP', caption: 'A photo sent through the SDK', width: 1200, height: 800 });
  t.same(edited.article.body.map((block) => block.type), ['paragraph', 'heading']);

  t.same(
    read.listed.map((a) => a.slug).sort(),
    [edited.article.slug, 'south-korea-worries-putin-visit-could-tighten-military-bonds-between-north-and-russia'].sort(),
    'the section page (walked one item per page) lists both National articles',
  );
  t.equal(read.article.id, edited.article.id);
  t.equal(read.revalidationStatus, 304, 'If-None-Match through the client gives 304');

  t.equal(hey.listed.length, 2, 'the second generator’s client walks the same pages');
  t.equal(hey.article.headline, 'Typed clients read the newsroom API');
  t.equal(hey.revalidationStatus, 304);
});
