import {basename} from 'node:path'
import type {Artefact, CommandSource} from '../../artefacts/schema.js'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {errorMessage} from '../../core/errors.js'
import {dateToIso7} from '../../core/time.js'
import {decodeOutput, PARSED_FORMAT, VOLATILE_PARSERS, type ParsedVolatileFile, type ProcessRecord, type VolatileRecord} from '../../parsers/volatile/index.js'
import type {EvidenceSink} from '../sink.js'
import {hashExecutables, selectExecutables, type ExecutableResult} from './executables.js'
import {createHostRunner, type CommandRunner, type RunResult} from './runner.js'

export {createHostRunner, encodePowerShellArgs} from './runner.js'
export type {CommandRunner, ExecutableOpen, RunRequest, RunResult} from './runner.js'
export {remoteToolOf, selectExecutables, MAX_EXECUTABLE_BYTES} from './executables.js'
export type {ExecutableResult} from './executables.js'

/** Bytes kept per output stream of one command (bounded: a runaway command cannot exhaust memory). */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024

/**
 * Linux commands run in the C.UTF-8 locale (stable column layouts, English month names, non-ASCII user
 * names and command lines kept as UTF-8; where C.UTF-8 is not installed glibc falls back to plain C, which
 * the parsers read too) and with TZ=UTC so that the times they print (`ps lstart`, `last -F`, `who`) are UTC
 * and need no zone guess. C.UTF-8 rather than C also makes `who` print the year (`%Y-%m-%d %H:%M`).
 */
export const LINUX_ENV: Readonly<Record<string, string>> = {LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', TZ: 'UTC'}

export type AttemptStatus = 'ok' | 'failed' | 'timed-out' | 'missing' | 'spawn-error'

export interface AttemptSummary {
  command: string
  argv: string[]
  status: AttemptStatus
  exit_code: number | null
  timed_out: boolean
  stdout_path?: string
  stderr_path?: string
}

export interface SourceSummary {
  artefact: string
  volatility: number
  parsed_path: string
  parser: string | null
  fallback_used: boolean
  /** True when some attempt ran to a clean exit. */
  ok: boolean
  records: number
  diagnostics: number
  attempts: AttemptSummary[]
}

export interface VolatileSummary {
  os: 'windows' | 'linux'
  started_utc: string
  ended_utc: string
  sources: SourceSummary[]
  executables: ExecutableResult[]
  totals: {commands: number; failed: number; timed_out: number; missing: number; records: number; executables: number}
}

interface Job {
  artefact: Artefact
  source: CommandSource
  index: number
  commandIndex: number
}

/** Most volatile first (RFC 3227), then by artefact id and source position, so runs are reproducible. */
export function orderByVolatility(defs: Artefact[], os: 'windows' | 'linux'): Job[] {
  const jobs: Job[] = []
  for (const a of defs) {
    if (a.os !== os) continue
    let commandIndex = 0
    a.sources.forEach((s, index) => {
      if (s.collector === 'command') jobs.push({artefact: a, source: s, index, commandIndex: commandIndex++})
    })
  }
  return jobs.sort((x, y) => x.source.volatility - y.source.volatility || (x.artefact.id < y.artefact.id ? -1 : x.artefact.id > y.artefact.id ? 1 : 0) || x.index - y.index)
}

function slugOf(command: string): string {
  const b = basename(command.replace(/\\/g, '/')).replace(/\.(exe|com)$/i, '').toLowerCase()
  return b.replace(/[^a-z0-9._-]/g, '_') || 'command'
}

function statusOf(r: RunResult): AttemptStatus {
  if (r.missing) return 'missing'
  if (r.spawnError) return 'spawn-error'
  if (r.timedOut) return 'timed-out'
  return r.exitCode === 0 ? 'ok' : 'failed'
}

/**
 * Runs the command artefacts for `opts.os`, most volatile first, and stores each command's raw stdout and
 * stderr plus a parsed rendering in the archive through `sink`. A failing, hanging or missing command is
 * recorded and the next fallback (if any) is tried; nothing here stops the collection. After the process
 * list has been captured, the executables of remote-access tools and of processes running from temp or
 * ProgramData folders are copied into the archive.
 */
export async function runVolatileStage(
  defs: Artefact[],
  sink: EvidenceSink,
  opts: {os: 'windows' | 'linux'; runner?: CommandRunner; now?: () => Date; onProgress?: (artefactId: string) => void},
): Promise<VolatileSummary> {
  const runner = opts.runner ?? createHostRunner()
  const now = opts.now ?? (() => new Date())
  const startedUtc = dateToIso7(now())
  const sources: SourceSummary[] = []
  let executables: ExecutableResult[] = []
  let executablesDone = false
  const usedNames = new Map<string, Set<string>>()

  for (const job of orderByVolatility(defs, opts.os)) {
    opts.onProgress?.(job.artefact.id)
    const {summary, records} = await runJob(job, sink, runner, now, opts.os, usedNames)
    sources.push(summary)
    const procs = records.filter((r): r is ProcessRecord => r.kind === 'process')
    if (!executablesDone && procs.length > 0) {
      executablesDone = true
      executables = await captureExecutables(procs, runner, sink, job.artefact.id, opts.os)
    }
  }

  const attempts = sources.flatMap((s) => s.attempts)
  return {
    os: opts.os,
    started_utc: startedUtc,
    ended_utc: dateToIso7(now()),
    sources,
    executables,
    totals: {
      commands: attempts.length,
      failed: attempts.filter((a) => a.status === 'failed' || a.status === 'spawn-error').length,
      timed_out: attempts.filter((a) => a.status === 'timed-out').length,
      missing: attempts.filter((a) => a.status === 'missing').length,
      records: sources.reduce((n, s) => n + s.records, 0),
      executables: executables.filter((e) => e.status === 'collected').length,
    },
  }
}

async function captureExecutables(procs: ProcessRecord[], runner: CommandRunner, sink: EvidenceSink, artefact: string, os: 'windows' | 'linux'): Promise<ExecutableResult[]> {
  const paths = new Map<number, string>()
  if (runner.executablePath) {
    for (const p of procs) {
      if (p.path) continue
      const path = await runner.executablePath(p.pid)
      if (path) paths.set(p.pid, path)
    }
  }
  try {
    return await hashExecutables(selectExecutables(procs, paths), runner, sink, artefact, os)
  } catch (e) {
    sink.log({level: 'error', event: 'volatile.executables', message: `hashing running executables failed: ${errorMessage(e)}`})
    return []
  }
}

async function runJob(
  job: Job,
  sink: EvidenceSink,
  runner: CommandRunner,
  now: () => Date,
  os: 'windows' | 'linux',
  usedNames: Map<string, Set<string>>,
): Promise<{summary: SourceSummary; records: VolatileRecord[]}> {
  const {artefact, source} = job
  const dir = `volatile/${artefact.id}`
  const used = usedNames.get(dir) ?? new Set<string>()
  usedNames.set(dir, used)
  const parsedPath = `${dir}/${job.commandIndex === 0 ? 'parsed.json' : `parsed-${job.commandIndex + 1}.json`}`
  const chain = [
    {command: source.command, args: source.args, parser: source.parser},
    ...source.fallbacks.map((f) => ({command: f.command, args: f.args, parser: f.parser ?? source.parser})),
  ]
  const attempts: AttemptSummary[] = []
  const chainDiagnostics: Diagnostic[] = []
  let chosen: {attempt: (typeof chain)[number]; result: RunResult; started: string; ended: string; stdoutPath?: string; index: number} | undefined

  for (const [i, attempt] of chain.entries()) {
    const argv = [attempt.command, ...attempt.args]
    const started = dateToIso7(now())
    let result: RunResult
    try {
      result = await runner.run({
        command: attempt.command,
        args: attempt.args,
        timeoutMs: source.timeout_seconds * 1000,
        env: os === 'linux' ? {...LINUX_ENV} : undefined,
        maxOutputBytes: MAX_OUTPUT_BYTES,
      })
    } catch (e) {
      result = {stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: null, signal: null, timedOut: false, missing: false, spawnError: errorMessage(e), stdoutTruncated: false, stderrTruncated: false}
    }
    const ended = dateToIso7(now())
    const status = statusOf(result)
    const summary: AttemptSummary = {command: attempt.command, argv, status, exit_code: result.exitCode, timed_out: result.timedOut}
    const commandFacts = {argv, exit_code: result.exitCode, signal: result.signal, started_utc: started, ended_utc: ended, timed_out: result.timedOut}
    const originalPath = argv.join(' ')

    if (status === 'missing' || status === 'spawn-error') {
      const reason = status === 'missing' ? `TOOL_MISSING: ${attempt.command} was not found on this host` : `SPAWN_FAILED: ${result.spawnError}`
      sink.record({original_path: originalPath, artefact: artefact.id, kind: 'command-output', read_method: 'command', status: 'error', reason, command: {...commandFacts, stream: 'stdout'}})
      sink.log({level: 'warn', event: 'volatile.command', message: reason, artefact: artefact.id, argv})
      chainDiagnostics.push(diag(status === 'missing' ? 'VOLATILE_TOOL_MISSING' : 'VOLATILE_SPAWN_FAILED', 'warning', reason, {artefact: artefact.id}))
      attempts.push(summary)
      continue
    }

    let slug = slugOf(attempt.command)
    for (let n = 2; used.has(slug); n++) slug = `${slugOf(attempt.command)}-${n}`
    used.add(slug)
    const paths = {stdout: `${dir}/${slug}.stdout.txt`, stderr: `${dir}/${slug}.stderr.txt`}
    for (const stream of ['stdout', 'stderr'] as const) {
      const data = result[stream]
      const truncated = stream === 'stdout' ? result.stdoutTruncated : result.stderrTruncated
      const reasons = [
        result.timedOut ? `TIMEOUT: killed the process tree after ${source.timeout_seconds} s; output up to then kept` : undefined,
        truncated ? `OUTPUT_CAP: only the first ${MAX_OUTPUT_BYTES} bytes were kept` : undefined,
      ].filter(Boolean)
      try {
        const {hashes, size} = await sink.addBuffer(paths[stream], data)
        sink.record({
          original_path: originalPath, archive_path: paths[stream], artefact: artefact.id, kind: 'command-output', size, hashes,
          read_method: 'command', status: reasons.length ? 'partial' : 'collected', ...(reasons.length ? {reason: reasons.join('; ')} : {}),
          command: {...commandFacts, stream},
        })
      } catch (e) {
        sink.record({original_path: originalPath, artefact: artefact.id, kind: 'command-output', read_method: 'command', status: 'error', reason: `STORE_FAILED: ${errorMessage(e)}`, command: {...commandFacts, stream}})
      }
    }
    summary.stdout_path = paths.stdout
    summary.stderr_path = paths.stderr
    attempts.push(summary)
    const level = status === 'ok' ? 'info' : 'warn'
    sink.log({level, event: 'volatile.command', message: `${artefact.id}: ${attempt.command} ${status}${result.timedOut ? ` (killed after ${source.timeout_seconds} s)` : ''}`, artefact: artefact.id, argv, exit_code: result.exitCode, timed_out: result.timedOut, started_utc: started, ended_utc: ended})
    if (status !== 'ok') {
      const said = decodeOutput(result.stderr, os === 'windows' ? 'cp850' : 'latin1').text.split(/\r?\n/).find((l) => l.trim())?.trim().slice(0, 200)
      const why = (status === 'timed-out' ? `timed out after ${source.timeout_seconds} s and was killed` : `exited with code ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}`) + (said ? `: ${said}` : '')
      chainDiagnostics.push(diag(status === 'timed-out' ? 'VOLATILE_TIMEOUT' : 'VOLATILE_COMMAND_FAILED', 'warning', `${attempt.command} ${why}${i + 1 < chain.length ? '; trying the fallback' : ''}`, {artefact: artefact.id, file: paths.stdout}))
    }
    chosen = {attempt, result, started, ended, stdoutPath: paths.stdout, index: i}
    if (status === 'ok') break
  }

  // Parse the attempt that succeeded, else the last one that produced output (partial output still helps).
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = [...chainDiagnostics]
  const parserName = chosen?.attempt.parser ?? null
  if (chosen && parserName) {
    const parser = VOLATILE_PARSERS[parserName]
    if (!parser) {
      diagnostics.push(diag('VOLATILE_PARSER_UNKNOWN', 'error', `no volatile parser named ${parserName}`, {artefact: artefact.id}))
    } else {
      const {text, encoding} = decodeOutput(chosen.result.stdout, os === 'windows' ? 'cp850' : 'latin1')
      if (encoding === 'latin1' || encoding === 'cp850') {
        diagnostics.push(diag('VOLATILE_NOT_UTF8', 'info', `output was not UTF-8; decoded as ${encoding === 'cp850' ? 'the OEM code page 850' : 'latin1'} (raw bytes are in the archive)`, {file: chosen.stdoutPath}))
      }
      try {
        const out = parser(text, {file: chosen.stdoutPath, utcTimes: os === 'linux'})
        records.push(...out.records)
        diagnostics.push(...out.diagnostics.map((d) => ({...d, artefact: artefact.id})))
      } catch (e) {
        diagnostics.push(diag('VOLATILE_PARSE_FAILED', 'error', `${parserName} failed: ${errorMessage(e)}`, {artefact: artefact.id, file: chosen.stdoutPath}))
      }
    }
  }

  const argv = chosen ? [chosen.attempt.command, ...chosen.attempt.args] : [source.command, ...source.args]
  const parsed: ParsedVolatileFile = {
    format: PARSED_FORMAT,
    artefact: artefact.id,
    os,
    command: chosen?.attempt.command ?? source.command,
    argv,
    exit_code: chosen?.result.exitCode ?? null,
    started_utc: chosen?.started ?? dateToIso7(now()),
    ended_utc: chosen?.ended ?? dateToIso7(now()),
    timed_out: chosen?.result.timedOut ?? false,
    fallback_used: (chosen?.index ?? 0) > 0,
    parser: parserName,
    records,
    diagnostics,
  }
  const okAttempt = attempts.some((a) => a.status === 'ok')
  // The rendering is partial when what it renders is: no output at all, output cut by the timeout or the cap.
  // A non-zero exit alone is not (`query user` exits 1 when nobody is logged on): the exit code and stderr
  // are in the manifest and the diagnostics.
  const incomplete = !chosen
    ? 'NO_OUTPUT: no command of this artefact could be started; see diagnostics'
    : chosen.result.timedOut
      ? `TIMEOUT: ${chosen.attempt.command} was killed after ${source.timeout_seconds} s; records are from its output up to then`
      : chosen.result.stdoutTruncated
        ? `OUTPUT_CAP: records are from the first ${MAX_OUTPUT_BYTES} bytes only`
        : undefined
  try {
    const {hashes, size} = await sink.addBuffer(parsedPath, Buffer.from(JSON.stringify(parsed, null, 2) + '\n', 'utf8'))
    sink.record({
      original_path: argv.join(' '), archive_path: parsedPath, artefact: artefact.id, kind: 'command-output', size, hashes, read_method: 'derived',
      status: incomplete ? 'partial' : 'collected', ...(incomplete ? {reason: incomplete} : {}),
      command: {argv, exit_code: parsed.exit_code, started_utc: parsed.started_utc, ended_utc: parsed.ended_utc, timed_out: parsed.timed_out, stream: 'parsed'},
      note: `structured rendering by parser ${parserName ?? '(none)'}: ${records.length} records`,
    })
  } catch (e) {
    sink.log({level: 'error', event: 'volatile.parsed', message: `could not store ${parsedPath}: ${errorMessage(e)}`, artefact: artefact.id})
  }

  return {
    summary: {
      artefact: artefact.id, volatility: source.volatility, parsed_path: parsedPath, parser: parserName, fallback_used: parsed.fallback_used,
      ok: okAttempt, records: records.length, diagnostics: diagnostics.length, attempts,
    },
    records,
  }
}
