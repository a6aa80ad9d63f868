import {fileURLToPath} from 'node:url'

/**
 * Built-in IOC packs and rules ship as data files in `artefacts/` at the package root. This module sits at
 * `src/detect/` (sources) or `dist/detect/` (build), so the root is two levels up in both layouts.
 */
export function artefactsDir(): string {
  return fileURLToPath(new URL('../../artefacts/', import.meta.url))
}
