import * as fs from 'node:fs'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {errorMessage} from '../../core/errors.js'
import {mapAmcache, mapNtuser, mapSam, mapSoftware, mapSystem} from '../../events/mappers/registry.js'
import type {NormalizedEvent} from '../../events/types.js'
import {openWithLogs, type OpenedHive} from '../../parsers/regf/dump.js'
import {readAmcache} from '../../parsers/regf/hives/amcache.js'
import {readNtuser} from '../../parsers/regf/hives/ntuser.js'
import {readSam} from '../../parsers/regf/hives/sam.js'
import {readSoftware} from '../../parsers/regf/hives/software.js'
import {readSystem, type SystemData} from '../../parsers/regf/hives/system.js'
import type {LogInput} from '../../parsers/regf/recover.js'
import type {Hive} from '../../parsers/regf/hive.js'
import {resolveHostZone} from '../../report/zones.js'
import type {ArtefactParserPlugin, ParseContext} from '../parser-api.js'
import {mapContext, readAllBounded} from './util.js'

/** Largest hive read into memory (real SOFTWARE hives reach a few hundred MiB). */
const MAX_HIVE = 1024 * 1024 * 1024
const LOG_SUFFIXES = ['.LOG', '.LOG1', '.LOG2']

const logSiblings = (member: string): string[] => LOG_SUFFIXES.map((s) => member + s)

/** Transaction logs the driver handed over (read-only copies), oversized ones reported and left out. */
function readLogs(ctx: ParseContext, diagnostics: Diagnostic[]): LogInput[] {
  const logs: LogInput[] = []
  for (const [member, path] of Object.entries(ctx.siblings ?? {})) {
    try {
      const st = fs.statSync(path)
      if (st.size > MAX_HIVE) {
        diagnostics.push(diag('REGF_LOG_TOO_LARGE', 'warning', `transaction log of ${st.size} bytes not read`, {file: member, artefact: ctx.artefact}))
        continue
      }
      logs.push({name: member, bytes: new Uint8Array(fs.readFileSync(path))})
    } catch (e) {
      diagnostics.push(diag('REGF_LOG_UNREADABLE', 'warning', `transaction log not read: ${errorMessage(e)}`, {file: member, artefact: ctx.artefact}))
    }
  }
  return logs
}

function registryPlugin(name: string, accepts: RegExp, map: (h: Hive, ctx: ParseContext) => Iterable<NormalizedEvent>): ArtefactParserPlugin {
  return {
    name,
    version: '1',
    accepts: (m) => accepts.test(m),
    siblings: logSiblings,
    parse(input, ctx) {
      const diagnostics: Diagnostic[] = []
      async function* run(): AsyncGenerator<NormalizedEvent> {
        const buf = await readAllBounded(input, MAX_HIVE)
        if (!buf) {
          diagnostics.push(diag('REGF_TOO_LARGE', 'error', `hive larger than ${MAX_HIVE} bytes; not parsed`, {file: ctx.member, artefact: ctx.artefact}))
          return
        }
        let opened: OpenedHive
        try {
          opened = openWithLogs(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), readLogs(ctx, diagnostics), ctx.member)
        } catch (e) {
          diagnostics.push(diag('REGF_NOT_A_HIVE', 'error', errorMessage(e), {file: ctx.member, artefact: ctx.artefact}))
          return
        }
        diagnostics.push(...opened.diagnostics.map((d) => ({...d, artefact: ctx.artefact})))
        try {
          yield* map(opened.hive, ctx)
        } finally {
          diagnostics.push(...opened.hive.diagnostics.map((d) => ({...d, file: ctx.member, artefact: ctx.artefact})))
          if (opened.hive.droppedDiagnostics) diagnostics.push(diag('REGF_MORE_DIAGNOSTICS', 'error', `${opened.hive.droppedDiagnostics} more hive diagnostics not listed`, {file: ctx.member, artefact: ctx.artefact}))
        }
      }
      return {events: run(), diagnostics}
    },
  }
}

/** `Users/<name>/NTUSER.DAT` → `<name>`. */
function profileUser(member: string): string | undefined {
  const parts = member.split('/')
  const i = parts.findIndex((p) => /^(users|documents and settings)$/i.test(p))
  return i >= 0 && i + 2 < parts.length ? parts[i + 1] : undefined
}

export const registrySam = registryPlugin('registry.sam', /(^|\/)SAM$/i, (h, ctx) => mapSam(mapContext(ctx), readSam(h)))
export const registrySystem = registryPlugin('registry.system', /(^|\/)SYSTEM$/i, (h, ctx) => mapSystem(mapContext(ctx), readSystem(h)))
export const registrySoftware = registryPlugin('registry.software', /(^|\/)SOFTWARE$/i, (h, ctx) => mapSoftware(mapContext(ctx), readSoftware(h)))
export const registryNtuser = registryPlugin('registry.ntuser', /(^|\/)NTUSER\.DAT$/i, (h, ctx) => mapNtuser(mapContext(ctx), readNtuser(h), profileUser(ctx.member)))
export const registryAmcache = registryPlugin('registry.amcache', /(^|\/)Amcache\.hve$/i, (h, ctx) => mapAmcache(mapContext(ctx), readAmcache(h)))

export const registryPlugins = [registrySam, registrySystem, registrySoftware, registryNtuser, registryAmcache]

export interface SystemHostFacts {
  hostname?: string
  /** Windows zone name (TimeZoneKeyName). */
  windowsZone?: string
  /** IANA zone when the Windows name maps to one. */
  ianaZone?: string
  /** Offset from UTC in minutes (-ActiveTimeBias) when the hive was last written. */
  utcOffsetMinutes?: number
}

/** Host name and time zone of a SYSTEM hive file (with its logs): read before the other files of a case. */
export function systemHostFacts(path: string, logs: {name: string; path: string}[]): SystemHostFacts {
  const bytes = new Uint8Array(fs.readFileSync(path))
  const o = openWithLogs(bytes, logs.map((l) => ({name: l.name, bytes: new Uint8Array(fs.readFileSync(l.path))})))
  const s: SystemData = readSystem(o.hive)
  const zone = s.timeZone?.keyName ? resolveHostZone(s.timeZone.keyName, null) : undefined
  return {
    hostname: s.computerName?.name,
    windowsZone: s.timeZone?.keyName,
    ianaZone: zone?.kind === 'iana' ? zone.zone : undefined,
    utcOffsetMinutes: s.timeZone?.activeBias !== undefined ? -s.timeZone.activeBias : undefined,
  }
}
