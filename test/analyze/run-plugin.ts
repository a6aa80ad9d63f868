import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import type {ArtefactParserPlugin, ParseContext} from '../../src/analyze/parser-api.js'
import type {Diagnostic} from '../../src/core/diagnostics.js'
import type {NormalizedEvent} from '../../src/events/types.js'

/** Runs one plugin over a fixture file the way the driver does. */
export async function runPlugin(plugin: ArtefactParserPlugin, path: string, member: string, ctx: Partial<ParseContext> = {}): Promise<{events: NormalizedEvent[]; diagnostics: Diagnostic[]}> {
  const st = await stat(path)
  const out = plugin.parse(createReadStream(path), {member, sha256: 'f'.repeat(64), artefact: 'test.artefact', localPath: path, unverified: false, size: st.size, ...ctx})
  const events: NormalizedEvent[] = []
  for await (const e of out.events) events.push(e)
  return {events, diagnostics: out.diagnostics}
}

export const fixture = (dir: string, name: string): string => new URL(`../parsers/${dir}/fixtures/${name}`, import.meta.url).pathname
