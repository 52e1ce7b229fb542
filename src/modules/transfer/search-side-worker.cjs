// The worker thread of search-side.ts: fills an FTS5 table in a file of its own, on the
// other core, while the import's connection writes the rows. Plain JavaScript (CommonJS), so
// that a worker thread loads it as it is, whatever TypeScript loader the main thread runs under
// (a worker does not inherit `--import tsx`). Its messages are typed in search-side.ts.
//
// workerData: { file, createSql (the index's CREATE VIRTUAL TABLE, as migrated), hashsize }.
// In: { type: 'rows', rows: [rowid, headline, subheadline, summary, body][] } (each answered
// with { type: 'ack' }), { type: 'end' } (commit, then { type: 'done' }). Out on failure:
// { type: 'error', message }.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const { file, createSql, hashsize } = workerData;
const fail = (error) => {
  parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  parentPort.close();
};

try {
  const db = new Database(file);
  // A scratch file, read once by the import and then deleted: no journal, no syncs.
  db.pragma('journal_mode = off');
  db.pragma('synchronous = off');
  db.pragma('cache_size = -262144');
  db.exec(createSql);
  // (FTS5 takes a setting's value from the statement's text: a bound parameter is refused.)
  db.exec(`insert into articles_search (articles_search, rank) values ('hashsize', ${Math.trunc(hashsize)})`);
  const insert = db.prepare('insert into articles_search (rowid, headline, subheadline, summary, body) values (?, ?, ?, ?, ?)');
  db.exec('begin');
  parentPort.on('message', (message) => {
    try {
      if (message.type === 'rows') {
        for (const row of message.rows) insert.run(...row);
        parentPort.postMessage({ type: 'ack' });
      } else {
        db.exec('commit');
        db.close();
        parentPort.postMessage({ type: 'done' });
        parentPort.close();
      }
    } catch (error) {
      fail(error);
    }
  });
} catch (error) {
  fail(error);
}
