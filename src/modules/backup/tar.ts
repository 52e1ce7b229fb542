// The plain tar a backup is written as, and read back from: regular files only, each a
// 512-byte ustar header (node-tar's Header encodes and decodes it) and its bytes padded to 512,
// ended by two zero blocks. Hand-written over a file handle rather than node-tar's streams
// because a backup needs what those hide: a file's size fixed when it is opened (an original
// removed meanwhile is skipped, not half written), the manifest rewritten in place once the
// media count is final, and a reader that walks entries one after another with `await`.
// Any tar tool lists and extracts the result (`tar -tvf FILE`).
import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs';
import { Header } from 'tar';

const BLOCK = 512;
const CHUNK = 1 << 20;

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** The file is not a tar, or ends early: the caller turns this into its one-line message. */
export class TarFormatError extends Error {}

function header(name: string, size: number, mtime: Date): Buffer {
  // Our entry names are short; a longer one would need a pax header, which this writer does not make.
  if (Buffer.byteLength(name) >= 100) throw new Error(`tar entry name too long: ${name}`);
  const h = new Header({ path: name, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size, mtime, type: 'File' });
  // encode() reports "needs pax" for sizes past 8 GiB too; those are written in the base-256
  // form GNU tar and node-tar read, so its answer is not an error here.
  h.encode();
  return h.block!;
}

/** Writes all of `data` at `position` (a write may take fewer bytes than it was given). */
export async function writeAll(out: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await out.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

export class TarWriter {
  position = 0;
  constructor(private readonly out: FileHandle) {}

  private async write(data: Buffer): Promise<void> {
    await writeAll(this.out, data, this.position);
    this.position += data.length;
  }

  /** Adds an entry from memory; returns where its bytes start (for rewriteAt). */
  async addBuffer(name: string, data: Buffer, mtime = new Date()): Promise<number> {
    await this.write(header(name, data.length, mtime));
    const at = this.position;
    await this.write(data);
    await this.write(Buffer.alloc(padding(data.length)));
    return at;
  }

  /** Overwrites bytes already written (same length): the manifest once its counts are final. */
  async rewriteAt(at: number, data: Buffer): Promise<void> {
    await writeAll(this.out, data, at);
  }

  /**
   * Adds a file as it is when opened (its size then). Returns its size, or null when it no
   * longer exists (nothing is written for it). `onBytes` is told of every chunk copied.
   */
  async addFile(name: string, source: string, onBytes: (n: number) => void = () => {}): Promise<number | null> {
    let input: FileHandle;
    try {
      input = await fs.promises.open(source, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const { size, mtime } = await input.stat();
      await this.write(header(name, size, mtime));
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
      for (let copied = 0; copied < size; ) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, size - copied), copied);
        if (bytesRead === 0) throw new Error(`${source} shrank while being backed up`);
        await this.write(buffer.subarray(0, bytesRead));
        copied += bytesRead;
        onBytes(bytesRead);
      }
      await this.write(Buffer.alloc(padding(size)));
      return size;
    } finally {
      await input.close();
    }
  }

  /** The end-of-archive marker. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** Where its bytes start in the file. */
  offset: number;
}

export class TarReader {
  private constructor(
    private readonly input: FileHandle,
    readonly fileSize: number,
  ) {}

  static async open(file: string): Promise<TarReader> {
    const input = await fs.promises.open(file, 'r');
    try {
      const { size } = await input.stat();
      return new TarReader(input, size);
    } catch (error) {
      await input.close();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.input.close();
  }

  private async block(at: number): Promise<Buffer | null> {
    if (at + BLOCK > this.fileSize) return null;
    const buffer = Buffer.alloc(BLOCK);
    const { bytesRead } = await this.input.read(buffer, 0, BLOCK, at);
    return bytesRead === BLOCK ? buffer : null;
  }

  /** The entries in order, up to the end-of-archive marker; throws TarFormatError on anything else. */
  async *entries(): AsyncGenerator<TarEntry> {
    for (let at = 0; ; ) {
      const block = await this.block(at);
      if (!block) throw new TarFormatError(at === 0 ? 'not a tar file' : 'the archive ends early (truncated?)');
      if (block.every((b) => b === 0)) return;
      const h = new Header(block);
      if (!h.cksumValid || h.size === undefined || !h.path) throw new TarFormatError(at === 0 ? 'not a tar file' : `a damaged tar header at byte ${at}`);
      if (h.type !== 'File' && h.type !== 'OldFile') throw new TarFormatError(`unexpected ${h.type} entry ${h.path}`);
      const offset = at + BLOCK;
      if (offset + h.size > this.fileSize) throw new TarFormatError(`the archive ends inside ${h.path} (truncated?)`);
      yield { name: h.path, size: h.size, offset };
      at = offset + h.size + padding(h.size);
    }
  }

  /** An entry's bytes, in chunks of up to 1 MiB, handed to `sink` one after another. */
  async copy(entry: TarEntry, sink: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(entry.size, 1)));
    for (let done = 0; done < entry.size; ) {
      const { bytesRead } = await this.input.read(buffer, 0, Math.min(buffer.length, entry.size - done), entry.offset + done);
      if (bytesRead === 0) throw new TarFormatError(`the archive ends inside ${entry.name} (truncated?)`);
      await sink(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  }

  /** A small entry's bytes at once (the manifest). */
  async read(entry: TarEntry): Promise<Buffer> {
    const parts: Buffer[] = [];
    await this.copy(entry, (chunk) => void parts.push(Buffer.from(chunk)));
    return Buffer.concat(parts);
  }
}
