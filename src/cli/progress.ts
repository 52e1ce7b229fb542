// Progress of a long CLI command (export, import, backup, restore): on a terminal, a bar with
// counts, rate and time left (cli-progress); in a pipe or CI, nothing while it runs and one
// summary line at the end, so logs stay readable.
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Sets or corrects the expected total (0: unknown). */
  setTotal(total: number): void;
  increment(by?: number): void;
  /** Stops the bar and prints `summary` (one line, on stderr). */
  done(summary: string): void;
  /** Stops the bar without a summary (a failure: the caller prints why). */
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted ("articles", "MB"). */
  unit: string;
  /** The command's name, first on the bar. */
  label: string;
  total?: number;
  stream?: NodeJS.WriteStream;
  /** Forces the bar on or off (default: on when the stream is a terminal and CI is unset). */
  bar?: boolean;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const useBar = opts.bar ?? (Boolean(stream.isTTY) && !process.env.CI);
  let bar: SingleBar | null = null;
  if (useBar) {
    bar = new SingleBar({
      stream,
      format: `${opts.label} [{bar}] {percentage}% | {value}/{total} ${opts.unit} | {rate}/s | ETA {eta_formatted}`,
      etaBuffer: 50,
      fps: 5,
      hideCursor: true,
      clearOnComplete: true,
    });
    bar.start(opts.total ?? 0, 0, { rate: '0' });
  }
  const started = performance.now();
  let value = 0;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    bar?.stop();
  };
  return {
    setTotal(total) {
      bar?.setTotal(total);
    },
    increment(by = 1) {
      value += by;
      if (bar) bar.increment(by, { rate: Math.round(value / Math.max(0.001, (performance.now() - started) / 1000)).toLocaleString('en') });
    },
    done(summary) {
      stop();
      stream.write(`${summary}\n`);
    },
    stop,
  };
}

/** Seconds since `started` (performance.now()), for summaries. */
export function secondsSince(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1);
}
