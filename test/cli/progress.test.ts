// Progress of long CLI commands: a bar with counts, rate and time left on a terminal; one
// summary line, and nothing else, in a pipe or CI.
import { PassThrough } from 'node:stream';
import t from 'tap';
import { createProgress } from '../../src/cli/progress.ts';

function fakeStream(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; cursorTo(): boolean; clearLine(): boolean; moveCursor(): boolean };
  let written = '';
  stream.on('data', (chunk) => (written += String(chunk)));
  Object.assign(stream, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => written };
}

t.test('on a terminal: a bar with counts, rate and ETA, then the summary', async (t) => {
  const out = fakeStream(true);
  const p = createProgress({ label: 'import', unit: 'lines', total: 200, stream: out.stream, bar: true });
  for (let i = 0; i < 100; i++) p.increment();
  await new Promise((r) => setTimeout(r, 250));
  t.match(out.written(), /import \[.*\] \d+% \| 100\/200 lines \| [\d,]+\/s \| ETA /, 'the bar shows counts, rate and time left');
  p.done('import: 200 lines');
  t.match(out.written(), /import: 200 lines\n$/, 'the summary line ends it');
});

t.test('in a pipe: only the summary line', async (t) => {
  const out = fakeStream(false);
  const p = createProgress({ label: 'export', unit: 'lines', total: 10, stream: out.stream });
  for (let i = 0; i < 10; i++) p.increment();
  p.done('export: 10 lines');
  t.equal(out.written(), 'export: 10 lines\n');
});
