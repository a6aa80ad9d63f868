import {readFile, stat} from 'node:fs/promises'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {errorMessage} from '../../core/errors.js'
import {sha256Hex} from '../../core/hashing.js'
import {mapHostAddress, mapLaunchParams, mapRunDrop, mapSecurityEvent, mapServerExtension, mapServerUser, mapSessionEvent} from '../../events/mappers/screenconnect.js'
import type {NormalizedEvent} from '../../events/types.js'
import {instanceFromText, parseLaunchParams} from '../../parsers/screenconnect/launch-params.js'
import {readSecurityDb} from '../../parsers/screenconnect/security-db.js'
import {readSessionDb} from '../../parsers/screenconnect/session-db.js'
import {parseHostToAddressMap, parseSettings} from '../../parsers/screenconnect/settings.js'
import {parseUserXml} from '../../parsers/screenconnect/user-xml.js'
import {MAX_SQLITE_BYTES, openSqlite, sizeDiagnostic, type OpenedDb} from '../../parsers/sqlite/open.js'
import {decodeText} from '../../parsers/text.js'
import type {Readable} from 'node:stream'
import type {ArtefactParserPlugin, ParseContext, ParseOutput} from '../parser-api.js'
import {baseName, mapContext, readAllBounded} from './util.js'

const MAX_TEXT = 32 * 1024 * 1024
const scPath = (m: string): boolean => /screenconnect|connectwise|scre\.\.tion_/i.test(m)

function tooLarge(ctx: ParseContext, diagnostics: Diagnostic[], code: string, limit: number): void {
  diagnostics.push(diag(code, 'error', `file larger than ${limit} bytes; not parsed`, {file: ctx.member, artefact: ctx.artefact}))
}

/** .NET settings files: launch parameters (system.config / app.config) and HostToAddressMap (user.config). */
function parseSettingsFile(input: Readable, ctx: ParseContext): ParseOutput {
  const diagnostics: Diagnostic[] = []
  async function* run(): AsyncGenerator<NormalizedEvent> {
    const buf = await readAllBounded(input, MAX_TEXT)
    if (!buf) return tooLarge(ctx, diagnostics, 'SCREENCONNECT_CONFIG_TOO_LARGE', MAX_TEXT)
    const mc = mapContext(ctx)
    const settings = parseSettings(decodeText(buf).text)
    if (!settings.length) diagnostics.push(diag('SCREENCONNECT_CONFIG_NO_SETTINGS', 'info', 'no <setting> elements found', {file: ctx.member, artefact: ctx.artefact}))
    const instance = instanceFromText(ctx.originalPath ?? ctx.member)
    for (const st of settings) {
      if (/ClientLaunchParameters/i.test(st.name)) {
        const p = parseLaunchParams(st.value)
        if (p) {
          if (!p.instance && instance) p.instance = instance
          yield mapLaunchParams(mc, p, `${baseName(ctx.member)}:${st.name}`)
        }
      } else if (st.name === 'HostToAddressMap') {
        const {entries, bad} = parseHostToAddressMap(st.value)
        for (const b of bad) diagnostics.push(diag('SCREENCONNECT_HOSTMAP_BAD_ENTRY', 'warning', `HostToAddressMap entry not host=ip-time: ${b.slice(0, 200)}`, {file: ctx.member, artefact: ctx.artefact}))
        let i = 0
        for (const e of entries) yield mapHostAddress(mc, e, instance, i++)
      }
    }
  }
return {events: run(), diagnostics}
}

export const screenconnectUserConfig: ArtefactParserPlugin = {
  name: 'screenconnect.user-config',
  version: '1',
  accepts: (m) => /(^|\/)user\.config$/i.test(m) && scPath(m),
  parse: parseSettingsFile,
}

/** Launch parameters from system.config / app.config (settings XML) or ClientLaunchParameters.txt (Linux/macOS). */
export const screenconnectLaunchParams: ArtefactParserPlugin = {
  name: 'screenconnect.launch-params',
  version: '1',
  accepts: (m) => (/(^|\/)(system|app)\.config$/i.test(m) && scPath(m)) || /(^|\/)ClientLaunchParameters\.txt$/i.test(m),
  parse(input, ctx) {
    if (/\.config$/i.test(ctx.member)) return parseSettingsFile(input, ctx)
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const buf = await readAllBounded(input, MAX_TEXT)
      if (!buf) return tooLarge(ctx, diagnostics, 'SCREENCONNECT_LAUNCH_TOO_LARGE', MAX_TEXT)
      const text = decodeText(buf).text
      const p = parseLaunchParams(text.trim())
      if (!p) {
        diagnostics.push(diag('SCREENCONNECT_LAUNCH_UNPARSED', 'warning', 'no launch parameters (h=, s=, k=) found', {file: ctx.member, artefact: ctx.artefact}))
        return
      }
      if (!p.instance) p.instance = instanceFromText(ctx.originalPath ?? ctx.member)
      yield mapLaunchParams(mapContext(ctx), p, 'ClientLaunchParameters.txt')
    }
    return {events: run(), diagnostics}
  },
}

const RUN_DROP = /(^|\/)ScreenConnect\/([^/]+)\/[^/]*run\.(cmd|ps1)$/i

export const screenconnectRunDrop: ArtefactParserPlugin = {
  name: 'screenconnect.run-drop',
  version: '1',
  accepts: (m) => RUN_DROP.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const buf = await readAllBounded(input, MAX_TEXT)
      if (!buf) return tooLarge(ctx, diagnostics, 'SCREENCONNECT_RUN_DROP_TOO_LARGE', MAX_TEXT)
      const text = decodeText(buf.subarray(0, 4096)).text
      yield mapRunDrop(mapContext(ctx), baseName(ctx.member), text, sha256Hex(buf), RUN_DROP.exec(ctx.member)?.[2])
    }
    return {events: run(), diagnostics}
  },
}

async function readSibling(ctx: ParseContext, suffix: string, diagnostics: Diagnostic[]): Promise<Uint8Array | undefined> {
  const entry = Object.entries(ctx.siblings ?? {}).find(([m]) => m.toLowerCase().endsWith(suffix))
  if (!entry) return undefined
  try {
    const st = await stat(entry[1])
    if (st.size > MAX_SQLITE_BYTES) {
      diagnostics.push(sizeDiagnostic(entry[0], st.size))
      return undefined
    }
    return await readFile(entry[1])
  } catch (e) {
    diagnostics.push(diag('SQLITE_SIBLING_UNREADABLE', 'error', `cannot read ${entry[0]}: ${errorMessage(e)}`, {file: entry[0], artefact: ctx.artefact}))
    return undefined
  }
}

/**
 * Reads a SQLite database (bounded), applies its `-wal` sibling to a private in-memory copy and hands the
 * opened database to `read`; every failure becomes a diagnostic and the database is always closed.
 */
async function* withSqlite(
  input: Readable,
  ctx: ParseContext,
  diagnostics: Diagnostic[],
  label: string,
  read: (opened: OpenedDb) => Iterable<NormalizedEvent>,
): AsyncGenerator<NormalizedEvent> {
  const buf = await readAllBounded(input, MAX_SQLITE_BYTES)
  if (!buf) return void diagnostics.push(sizeDiagnostic(ctx.member, ctx.size ?? MAX_SQLITE_BYTES + 1))
  const wal = await readSibling(ctx, '-wal', diagnostics)
  let opened: OpenedDb
  try {
    opened = await openSqlite(buf, wal, ctx.member)
  } catch (e) {
    diagnostics.push(diag('SQLITE_OPEN_FAILED', 'error', `cannot open as SQLite: ${errorMessage(e)}`, {file: ctx.member, artefact: ctx.artefact}))
    return
  }
  try {
    yield* read(opened)
  } catch (e) {
    diagnostics.push(diag('SQLITE_READ_FAILED', 'error', `reading ${label} failed: ${errorMessage(e)}`, {file: ctx.member, artefact: ctx.artefact}))
  } finally {
    opened.close()
  }
}

/** Session.db with its WAL applied to a private in-memory copy. */
export const screenconnectSessionDb: ArtefactParserPlugin = {
  name: 'screenconnect.session-db',
  version: '1',
  accepts: (m) => /(^|\/)Session\.db$/i.test(m),
  siblings: (m) => [`${m}-wal`, `${m}-shm`],
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    function* read(opened: OpenedDb): Iterable<NormalizedEvent> {
      diagnostics.push(...opened.diagnostics.map((d) => ({...d, artefact: ctx.artefact})))
      const result = readSessionDb(opened, ctx.member)
      diagnostics.push(...result.diagnostics.map((d) => ({...d, artefact: ctx.artefact})))
      if (opened.walApplied) diagnostics.push(diag('SQLITE_WAL_APPLIED', 'info', `${opened.walPages} committed page(s) from the WAL applied to a private copy`, {file: ctx.member, artefact: ctx.artefact}))
      const mc = mapContext(ctx)
      for (const e of result.events) yield* mapSessionEvent(mc, result, e)
    }
    return {events: withSqlite(input, ctx, diagnostics, 'Session.db', read), diagnostics}
  },
}

export const screenconnectSecurityDb: ArtefactParserPlugin = {
  name: 'screenconnect.security-db',
  version: '1',
  accepts: (m) => /(^|\/)security\.db$/i.test(m),
  siblings: (m) => [`${m}-wal`, `${m}-shm`],
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    function* read(opened: OpenedDb): Iterable<NormalizedEvent> {
      const {records, hasTable} = readSecurityDb(opened)
      if (!hasTable) diagnostics.push(diag('SCREENCONNECT_SECURITYDB_NO_TABLE', 'warning', 'security.db has no SecurityEvent table', {file: ctx.member, artefact: ctx.artefact}))
      const mc = mapContext(ctx)
      for (const r of records) yield mapSecurityEvent(mc, r)
    }
    return {events: withSqlite(input, ctx, diagnostics, 'security.db', read), diagnostics}
  },
}

export const screenconnectUserXml: ArtefactParserPlugin = {
  name: 'screenconnect.user-xml',
  version: '1',
  accepts: (m) => /(^|\/)App_Data\/User\.xml$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const buf = await readAllBounded(input, MAX_TEXT)
      if (!buf) return tooLarge(ctx, diagnostics, 'SCREENCONNECT_USERXML_TOO_LARGE', MAX_TEXT)
      const users = parseUserXml(decodeText(buf).text)
      if (!users.length) diagnostics.push(diag('SCREENCONNECT_USERXML_NO_USERS', 'warning', 'no <User> entries found', {file: ctx.member, artefact: ctx.artefact}))
      const mc = mapContext(ctx)
      let i = 0
      for (const u of users) yield* mapServerUser(mc, u, i++)
    }
    return {events: run(), diagnostics}
  },
}

export const screenconnectAppExtension: ArtefactParserPlugin = {
  name: 'screenconnect.extension',
  version: '1',
  accepts: (m) => /(^|\/)App_Extensions\/[^/]+\.(aspx|ashx)$/i.test(m),
  parse(input, ctx) {
    async function* run(): AsyncGenerator<NormalizedEvent> {
      for await (const _ of input) void _
      yield mapServerExtension(mapContext(ctx), baseName(ctx.member))
    }
    return {events: run(), diagnostics: []}
  },
}
