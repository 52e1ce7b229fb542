// What an import costs besides its wall time, and the least time its indivisible parts take
// on this machine (issue 15's 5-minute target at 1 M, bench/analysis.md):
//
// - CPU seconds spent during the load by this node process (on SQLite that includes every
//   SQLite statement: better-sqlite3 runs them on this thread), and, when the database is a
//   PostgreSQL server on this machine, by that database's backends (the import is one
//   transaction, so one backend process does all of its server-side work, one statement after
//   another: its CPU time is a floor for the import's wall time, whatever node does) and by the
//   server's other processes (WAL writer, checkpointer, autovacuum: a lower bound, since a
//   process that exits before the end is not counted). Read from /proc; absent where it is not
//   readable.
// - On SQLite, the search index alone (`searchIndexAlone`): the FTS5 table as the migrations
//   define it, filled with the archive's article texts in a new file with no journal, nothing
//   else running on that connection, and only the inserts and the commit timed. One FTS5 index
//   is written by one connection, so this too is a floor for the import's wall time.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import BetterSqlite from 'better-sqlite3';
import { bodyText } from '../src/modules/articles/search.ts';
import type { StoredBlock } from '../src/modules/articles/schemas.ts';
import { IMPORT_FTS_HASHSIZE } from '../src/modules/transfer/import-sqlite.ts';

export interface LoadCpu {
  nodeSeconds: number;
  /** PostgreSQL on this machine only: the database's backends, and the server's other processes. */
  server?: { backendSeconds: number; otherSeconds: number };
}

const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux.

/** CPU seconds (user + system) of every PostgreSQL process, by pid, with its command line. */
function postgresProcesses(): Map<number, { cmdline: string; seconds: number }> {
  const out = new Map<number, { cmdline: string; seconds: number }>();
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      out.set(Number(pid), { cmdline, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

/** Runs `load` and returns its CPU cost (see LoadCpu); `database` names a local PostgreSQL database. */
export async function measureLoadCpu(load: () => Promise<void>, database: string | null): Promise<LoadCpu> {
  const node0 = process.cpuUsage();
  const before = database ? postgresProcesses() : new Map();
  await load();
  const node = process.cpuUsage(node0);
  const result: LoadCpu = { nodeSeconds: round((node.user + node.system) / 1e6) };
  if (database && before.size > 0) {
    let backendSeconds = 0;
    let otherSeconds = 0;
    // A backend's title is "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE" (Debian names the cluster, "15/main:").
    const ofDatabase = new RegExp(`^postgres: (?:\\S+: )?\\S+ ${database} `);
    for (const [pid, p] of postgresProcesses()) {
      const spent = p.seconds - (before.get(pid)?.seconds ?? 0);
      if (ofDatabase.test(p.cmdline)) backendSeconds += spent;
      else otherSeconds += spent;
    }
    result.server = { backendSeconds: round(backendSeconds), otherSeconds: round(otherSeconds) };
  }
  return result;
}

const round = (x: number) => Number(x.toFixed(1));

/**
 * Seconds to build the search index alone for the archive's articles: the FTS5 table of
 * `migratedFile` (a database the migrations made) recreated in a new file, with the import's
 * hash size, then filled and committed. Reading and parsing the archive is not counted.
 */
export async function searchIndexAlone(migratedFile: string, archiveDir: string, workDir: string): Promise<number> {
  const source = new BetterSqlite(migratedFile, { readonly: true });
  const { sql } = source.prepare("select sql from sqlite_master where name = 'articles_search'").get() as { sql: string };
  source.close();
  const file = path.join(workDir, 'search-index-alone.db');
  fs.rmSync(file, { force: true });
  const db = new BetterSqlite(file);
  try {
    db.pragma('journal_mode = off');
    db.pragma('synchronous = off');
    db.pragma('cache_size = -1048576');
    db.exec(sql);
    db.exec(`insert into articles_search (articles_search, rank) values ('hashsize', ${IMPORT_FTS_HASHSIZE})`);
    const insert = db.prepare('insert into articles_search (rowid, headline, subheadline, summary, body) values (?, ?, ?, ?, ?)');
    let timed = 0;
    let rowid = 0;
    let chunk: [string, string | null, string | null, string][] = [];
    const flush = () => {
      const t0 = performance.now();
      for (const row of chunk) insert.run(++rowid, ...row);
      timed += performance.now() - t0;
      chunk = [];
    };
    db.exec('begin');
    const lines = readline.createInterface({ input: fs.createReadStream(path.join(archiveDir, 'content.ndjson'), { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.startsWith('{"kind":"article"')) continue;
      const a = JSON.parse(line) as { headline: string; subheadline: string | null; summary: string | null; body: StoredBlock[] };
      chunk.push([a.headline, a.subheadline, a.summary, bodyText(a.body)]);
      if (chunk.length === 1000) flush();
    }
    flush();
    const t0 = performance.now();
    db.exec('commit');
    timed += performance.now() - t0;
    return round(timed / 1000);
  } finally {
    db.close();
    fs.rmSync(file, { force: true });
  }
}
