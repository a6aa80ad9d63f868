import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {mapAuthLine, mapPasswd} from '../../events/mappers/linux.js'
import type {NormalizedEvent} from '../../events/types.js'
import {parseAuthLine} from '../../parsers/linux/auth-log.js'
import {parsePasswd} from '../../parsers/linux/passwd.js'
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
