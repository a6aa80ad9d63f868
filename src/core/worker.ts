import {createRequire} from 'node:module'
import {pathToFileURL} from 'node:url'
import {Worker, type ResourceLimits} from 'node:worker_threads'
import {RatchetError, isRatchetError, type ErrorCode} from './errors.js'

/**
 * Starts the worker module `name` (without extension) that sits beside the module at `self`
 * (`import.meta.url` of the caller): the compiled `.js` from dist, or the `.ts` source under tsx/vitest,
 * where the worker registers tsx's loader before importing the `.ts` entry.
 */
export function spawnModuleWorker(self: string, name: string, opts: {resourceLimits?: ResourceLimits; workerData?: unknown} = {}): Worker {
  if (!self.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, self), opts)
  const tsxApi = pathToFileURL(createRequire(self).resolve('tsx/esm/api')).href
  const workerUrl = new URL(`./${name}.ts`, self).href
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}) })`
  return new Worker(code, {...opts, eval: true})
}

/** An error as it crosses a thread boundary: a RatchetError keeps its stable code and details. */
export interface WorkerError {
  code?: string
  message: string
  details?: Record<string, unknown>
}

export function toWorkerError(e: unknown): WorkerError {
  return isRatchetError(e) ? {code: e.code, message: e.message, details: e.details} : {message: e instanceof Error ? e.message : String(e)}
}

export function fromWorkerError(e: WorkerError): Error {
  return e.code ? new RatchetError(e.code as ErrorCode, e.message, e.details ?? {}) : new Error(e.message)
}

/** What a one-shot worker posts back: its result, or the error that ended it. */
export type WorkerReply<T> = {ok: true; result: T} | {ok: false; error: WorkerError}

/**
 * Runs a one-shot worker to its single reply. An abort terminates it (the caller cleans up what it left) and
 * rejects with `onAbort()`; a worker that dies without replying rejects with what killed it.
 */
export function awaitWorker<T>(w: Worker, signal?: AbortSignal, onAbort?: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const settle = (f: () => void): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', abort)
      f()
    }
    const abort = (): void => settle(() => {
      void w.terminate()
      reject(onAbort?.() ?? new Error('worker stopped: interrupted'))
    })
    if (signal?.aborted) return abort()
    signal?.addEventListener('abort', abort, {once: true})
    w.once('message', (m: WorkerReply<T>) =>
      settle(() => {
        if (m.ok) resolve(m.result)
        else reject(fromWorkerError(m.error))
        void w.terminate()
      }),
    )
    w.once('error', (e) => settle(() => reject(e)))
    w.once('exit', (code) => settle(() => reject(new Error(`worker exited with code ${code} before replying`))))
  })
}
