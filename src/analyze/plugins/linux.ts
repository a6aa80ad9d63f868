import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {mapAuthLine, mapGroupMembers, mapPasswd, mapUtmp, type UtmpState} from '../../events/mappers/linux.js'
import type {NormalizedEvent} from '../../events/types.js'
import {parseAuthLine} from '../../parsers/linux/auth-log.js'
import {parseGroup} from '../../parsers/linux/group.js'
import {parsePasswd} from '../../parsers/linux/passwd.js'
import {parseUtmpRecord, UTMP_RECORD_SIZE} from '../../parsers/linux/utmp.js'
import {decodeText} from '../../parsers/text.js'
import type {ArtefactParserPlugin} from '../parser-api.js'
import {mapContext, readAllBounded, textEvents} from './util.js'

export const linuxAuthLog: ArtefactParserPlugin = {
  name: 'linux.auth-log',
  version: '1',
  accepts: (m) => /(^|\/)var\/log\/(auth\.log|secure)(\.\d+)?$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    const mc = mapContext(ctx)
    async function* run(): AsyncGenerator<NormalizedEvent> {
      yield* textEvents(input, ctx, diagnostics, 'LINUX_AUTH_LOG', (l) => {
        if (!l.text.trim()) return undefined
        const r = parseAuthLine(l.text)
        if (!r) return 'unparsed'
        return mapAuthLine(mc, r, l.text, l.line)
      })
      if (!ctx.mtime) diagnostics.push(diag('LINUX_SYSLOG_YEAR_UNKNOWN', 'warning', 'syslog lines carry no year and the file time is unknown: year 1970 used', {file: ctx.member, artefact: ctx.artefact}))
      else diagnostics.push(diag('LINUX_SYSLOG_YEAR_INFERRED', 'info', `syslog year inferred from the file modification time ${ctx.mtime}`, {file: ctx.member, artefact: ctx.artefact}))
    }
    return {events: run(), diagnostics}
  },
}

export const linuxPasswd: ArtefactParserPlugin = {
  name: 'linux.passwd',
  version: '1',
  accepts: (m) => /(^|\/)etc\/passwd$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const buf = await readAllBounded(input, 64 * 1024 * 1024)
      if (!buf) return void diagnostics.push(diag('LINUX_PASSWD_TOO_LARGE', 'error', 'passwd larger than 64 MiB; not parsed', {file: ctx.member, artefact: ctx.artefact}))
      const {entries, badLines} = parsePasswd(decodeText(buf).text)
      for (const line of badLines) diagnostics.push(diag('LINUX_PASSWD_BAD_LINE', 'warning', 'line is not name:x:uid:gid:gecos:home:shell', {file: ctx.member, line, artefact: ctx.artefact}))
      const mc = mapContext(ctx)
      for (const e of entries) yield mapPasswd(mc, e)
    }
    return {events: run(), diagnostics}
  },
}

export const linuxGroup: ArtefactParserPlugin = {
  name: 'linux.group',
  version: '1',
  accepts: (m) => /(^|\/)etc\/group$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const buf = await readAllBounded(input, 64 * 1024 * 1024)
      if (!buf) return void diagnostics.push(diag('LINUX_GROUP_TOO_LARGE', 'error', 'group file larger than 64 MiB; not parsed', {file: ctx.member, artefact: ctx.artefact}))
      const {entries, badLines, nisLines} = parseGroup(decodeText(buf).text)
      if (nisLines.length) diagnostics.push(diag('LINUX_GROUP_NIS', 'info', `NIS compat line(s) ${nisLines.join(', ')}: members come from a directory service, not listed here`, {file: ctx.member, artefact: ctx.artefact}))
      for (const line of badLines.slice(0, 20)) diagnostics.push(diag('LINUX_GROUP_BAD_LINE', 'warning', 'line is not name:password:gid:members', {file: ctx.member, line, artefact: ctx.artefact}))
      if (badLines.length > 20) diagnostics.push(diag('LINUX_GROUP_BAD_LINES', 'warning', `${badLines.length - 20} more line(s) not in the group layout`, {file: ctx.member, artefact: ctx.artefact}))
      yield* mapGroupMembers(mapContext(ctx), entries)
    }
    return {events: run(), diagnostics}
  },
}

/** Damaged records reported one by one up to this many, then as a count. */
const MAX_RECORD_DIAGNOSTICS = 20

export const linuxWtmp: ArtefactParserPlugin = {
  name: 'linux.wtmp',
  version: '1',
  // Current and rotated generations (wtmp.1, logrotate dateext wtmp-20240101); compressed ones are not read.
  accepts: (m) => /(^|\/)var\/log\/[wb]tmp(\.\d+|-\d{8})?$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    const failed = /(^|\/)btmp[^/]*$/i.test(ctx.member)
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const mc = mapContext(ctx)
      const state: UtmpState = {open: new Map()}
      const where = {file: ctx.member, artefact: ctx.artefact}
      let carry = Buffer.alloc(0)
      let offset = 0
      let good = 0
      let bad = 0
      const unmapped = new Map<string, number>()
      // Records are read as a stream of fixed 384-byte slices: a 2 GiB wtmp never sits in memory.
      for await (const chunk of input as AsyncIterable<Buffer>) {
        const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk
        let at = 0
        for (; at + UTMP_RECORD_SIZE <= buf.length; at += UTMP_RECORD_SIZE, offset += UTMP_RECORD_SIZE) {
          const r = parseUtmpRecord(buf.subarray(at, at + UTMP_RECORD_SIZE), offset)
          if ('problem' in r) {
            bad++
            if (bad <= MAX_RECORD_DIAGNOSTICS) diagnostics.push(diag('LINUX_WTMP_BAD_RECORD', 'warning', `record skipped: ${r.problem}`, {...where, offset: r.offset}))
            continue
          }
          good++
          const ev = mapUtmp(mc, r, failed, state)
          if (ev) yield ev
          else unmapped.set(r.typeName, (unmapped.get(r.typeName) ?? 0) + 1)
        }
        carry = Buffer.from(buf.subarray(at))
      }
      if (carry.length) {
        diagnostics.push(diag('LINUX_WTMP_TRUNCATED', 'warning', `${carry.length} trailing byte(s) do not make a whole ${UTMP_RECORD_SIZE}-byte record (file cut or damaged)`, {...where, offset}))
      }
      if (bad > MAX_RECORD_DIAGNOSTICS) diagnostics.push(diag('LINUX_WTMP_BAD_RECORDS', 'warning', `${bad - MAX_RECORD_DIAGNOSTICS} more damaged record(s) skipped`, where))
      if (bad > 0 && good === 0) diagnostics.push(diag('LINUX_WTMP_NOT_UTMP', 'error', `no valid utmp record in ${bad} record(s): not an x86-64/glibc wtmp/btmp file`, where))
      if (unmapped.size) {
        const list = [...unmapped].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([t, n]) => `${n} ${t}`).join(', ')
        diagnostics.push(diag('LINUX_WTMP_OTHER_RECORDS', 'info', `records without a logon meaning, counted not mapped: ${list}`, where))
      }
    }
    return {events: run(), diagnostics}
  },
}
