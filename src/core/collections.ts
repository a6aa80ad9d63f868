/**
 * Groups items by a key, keeping first-seen order of keys and of items within a group. The one grouping
 * helper of the codebase: callers that need a deterministic order sort the keys themselves (`sortedGroups`).
 */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>()
  for (const it of items) {
    const k = key(it)
    const l = out.get(k)
    if (l) l.push(it)
    else out.set(k, [it])
  }
  return out
}

/** groupBy with string keys, as [key, items] pairs sorted by key (code-unit order: stable across locales). */
export function sortedGroups<T>(items: Iterable<T>, key: (item: T) => string): [string, T[]][] {
  return [...groupBy(items, key).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
