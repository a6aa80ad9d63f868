import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {hasTool} from './shared.js'

/**
 * Small disks for the container tests, built with the reference tools (sfdisk, ewfacquire,
 * ewfacquirestream, qemu-img): each builder returns undefined when its tool is absent, and the test skips
 * with a message.
 */

/** 8 MiB of content that compresses unevenly: runs of a repeated random 64-byte pattern, zeros, random bytes. */
export function makeDiskBytes(size = 8 << 20, seed = 7): Buffer {
  const b = Buffer.alloc(size)
  let s = seed >>> 0
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s >>> 24
  }
  for (let page = 0; page * 4096 < size; page++) {
    const at = page * 4096
    const kind = page % 5
    if (kind === 0) {
      const pat = Buffer.from(Array.from({length: 64}, next))
      for (let k = 0; k < 4096; k += 64) pat.copy(b, at + k)
    } else if (kind === 1) {
      for (let k = 0; k < 4096; k++) b[at + k] = next()
    }
  }
  return b
}

export const MBR_LAYOUT = 'label: dos\nstart=2048, size=4096, type=7, bootable\nstart=6144, type=5\nstart=8192, size=2048, type=83\nstart=12288, size=2048, type=7\n'
export const GPT_LAYOUT =
  'label: gpt\nstart=2048, size=4096, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data"\nstart=6144, size=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="linux"\n'

/** Writes the raw disk and partitions it with sfdisk (when present). */
export function buildRaw(dir: string, name: string, layout: string | undefined): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, makeDiskBytes())
  if (layout && hasTool('sfdisk')) execFileSync('sfdisk', ['-q', file], {input: layout})
  return file
}

export interface SfdiskPartition {
  node: string
  start: number
  size: number
  type: string
  name?: string
}

/** sfdisk's own reading of the table: the oracle for partition number, start, size and type. */
export function sfdiskJson(file: string): SfdiskPartition[] {
  const out = JSON.parse(execFileSync('sfdisk', ['--json', file], {encoding: 'utf8'})) as {partitiontable: {partitions: SfdiskPartition[]}}
  return out.partitiontable.partitions
}

/** ewfacquire (or ewfacquirestream, which reads stdin) into `<dir>/<base>.E01…`; extra args pass through. */
export function buildEwf(raw: string, dir: string, base: string, args: string[], stream = false): string | undefined {
  const tool = stream ? 'ewfacquirestream' : 'ewfacquire'
  if (!hasTool(tool)) return undefined
  const target = path.join(dir, base)
  const common = ['-q', '-t', target, '-C', 'CASE-7', '-D', 'built by the ratchet tests', '-e', 'vitest', '-E', 'EV-1', '-N', 'no notes', ...args]
  if (stream) execFileSync(tool, common, {input: fs.readFileSync(raw), stdio: ['pipe', 'ignore', 'ignore']})
  else execFileSync(tool, ['-u', ...common, raw], {stdio: 'ignore'})
  return target + '.E01'
}

export function buildQemu(raw: string, out: string, format: 'vhdx' | 'vpc', options: string): string | undefined {
  if (!hasTool('qemu-img')) return undefined
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', format, '-o', options, raw, out], {stdio: 'ignore'})
  return out
}
