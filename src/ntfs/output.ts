import * as fs from 'node:fs'

/**
 * Writes a string to a file descriptor synchronously, all of it. The NTFS walkers are synchronous and emit
 * megabytes; writing synchronously keeps memory flat (no queue behind a slow pipe). EAGAIN (a non-blocking
 * pipe that is full) is retried after a short sleep.
 */
export function writeAllSync(fd: number, text: string): void {
  let buf = Buffer.from(text, 'utf8')
  while (buf.length > 0) {
    try {
      const n = fs.writeSync(fd, buf)
      buf = buf.subarray(n)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EPIPE') throw new BrokenPipe()
      if (code !== 'EAGAIN') throw err
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    }
  }
}

/** The reader of stdout went away (`| head`): the command stops writing and ends normally. */
export class BrokenPipe extends Error {
  constructor() {
    super('output pipe closed by the reader')
    this.name = 'BrokenPipe'
  }
}

/** Runs `fn`; a BrokenPipe ends it early and yields `fallback` instead. */
export function untilPipeCloses<T>(fn: () => T, fallback: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof BrokenPipe) return fallback()
    throw err
  }
}
