import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {sharedSamplesDir} from '../shared-samples.js'

/** ../shared/samples/registry (see sharedSamplesDir). */
export function sharedRegistryDir(): string | undefined {
  return sharedSamplesDir('registry')
}

export const SKIP_MESSAGE = 'shared registry samples not found (set RATCHET_SHARED or provide ../shared/samples/registry): skipped'

export interface IndexTool {
  command: string
  exit_code: number
  keys: number
  values: number
  reference?: string
}

export interface IndexFile {
  file: string
  hive_type: string
  stored_gzip?: boolean
  tools?: {hivex?: IndexTool; regfexport?: IndexTool; regfinfo?: IndexTool}
  agreement?: {consensus: boolean; consensus_keys: number | null; consensus_values: number | null}
  facts?: Record<string, unknown>
  notes: string[]
}

export function loadIndex(dir: string): IndexFile[] {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'INDEX.json'), 'utf8')) as {files: IndexFile[]}).files
}

/** A sample's bytes (gunzipped when stored compressed). */
export function readSample(dir: string, name: string): Uint8Array {
  const raw = fs.readFileSync(path.join(dir, name))
  return new Uint8Array(name.endsWith('.gz') ? zlib.gunzipSync(raw) : raw)
}

export function readReference(dir: string, rel: string): string {
  const raw = fs.readFileSync(path.join(dir, rel))
  return (rel.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8')
}
