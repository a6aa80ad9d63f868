import type {RunResources} from './parser-api.js'

/** The driver's side of RunResources: holds what plugins made for the run, and ends it all at the end. */
export class RunResourceSet implements RunResources {
  private readonly held = new Map<string, {value: unknown; end: (v: unknown) => Promise<void>}>()

  get<T>(key: string, make: () => T, end: (t: T) => Promise<void>): T {
    let h = this.held.get(key)
    if (!h) this.held.set(key, (h = {value: make(), end: end as (v: unknown) => Promise<void>}))
    return h.value as T
  }

  /** Ends everything held (each even when another fails); later `get`s make fresh ones. */
  async endAll(): Promise<void> {
    const all = [...this.held.values()]
    this.held.clear()
    await Promise.allSettled(all.map((h) => h.end(h.value)))
  }
}
