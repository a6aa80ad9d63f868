/**
 * Builds small synthetic $MFT files for tests: FILE records with a fixup array, $STANDARD_INFORMATION, one or
 * more $FILE_NAME and a resident $DATA, laid out as the NTFS documentation (libyal, Sleuth Kit) describes.
 */
export interface FakeFile {
  entry: number
  sequence?: number
  parent: number
  parentSequence?: number
  name: string
  namespace?: number
  dir?: boolean
  inUse?: boolean
  /** FILETIMEs as ISO strings. */
  siCreated: string
  fnCreated?: string
  data?: Uint8Array
  /** 8.3 name in a second $FILE_NAME (DOS namespace). */
  dosName?: string
}

const RECORD = 1024

function filetime(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 10_000n + 116_444_736_000_000_000n
}

function attr(type: number, id: number, value: Uint8Array): Uint8Array {
  const len = (24 + value.length + 7) & ~7
  const a = new Uint8Array(len)
  const dv = new DataView(a.buffer)
  dv.setUint32(0, type, true)
  dv.setUint32(4, len, true)
  a[8] = 0 // resident
  dv.setUint16(14, id, true)
  dv.setUint32(16, value.length, true)
  dv.setUint16(20, 24, true)
  a.set(value, 24)
  return a
}

function si(t: bigint, flags = 0x20): Uint8Array {
  const v = new Uint8Array(72)
  const dv = new DataView(v.buffer)
  for (let i = 0; i < 4; i++) dv.setBigUint64(i * 8, t, true)
  dv.setUint32(32, flags, true)
  return v
}

function fn(parent: number, parentSeq: number, t: bigint, name: string, ns: number, size: number, dir: boolean): Uint8Array {
  const v = new Uint8Array(66 + name.length * 2)
  const dv = new DataView(v.buffer)
  dv.setUint32(0, parent, true)
  dv.setUint16(6, parentSeq, true)
  for (let i = 0; i < 4; i++) dv.setBigUint64(8 + i * 8, t, true)
  dv.setBigUint64(40, BigInt(size), true)
  dv.setBigUint64(48, BigInt(size), true)
  dv.setUint32(56, dir ? 0x10000000 : 0x20, true)
  v[64] = name.length
  v[65] = ns
  for (let i = 0; i < name.length; i++) dv.setUint16(66 + 2 * i, name.charCodeAt(i), true)
  return v
}

export function fileRecord(f: FakeFile): Uint8Array {
  const r = new Uint8Array(RECORD)
  const dv = new DataView(r.buffer)
  r.set([0x46, 0x49, 0x4c, 0x45]) // FILE
  dv.setUint16(4, 0x30, true) // update sequence array offset
  dv.setUint16(6, 3, true) // 1 + 2 strides
  dv.setUint16(0x10, f.sequence ?? 1, true)
  dv.setUint16(0x12, 1, true)
  dv.setUint16(0x14, 0x38, true)
  dv.setUint16(0x16, (f.inUse === false ? 0 : 1) | (f.dir ? 2 : 0), true)
  dv.setUint32(0x1c, RECORD, true)
  dv.setUint32(0x2c, f.entry, true)
  const attrs = [attr(0x10, 0, si(filetime(f.siCreated)))]
  const data = f.data ?? new Uint8Array(0)
  const fnT = filetime(f.fnCreated ?? f.siCreated)
  if (f.dosName) attrs.push(attr(0x30, 2, fn(f.parent, f.parentSequence ?? 1, fnT, f.dosName, 2, data.length, !!f.dir)))
  attrs.push(attr(0x30, 3, fn(f.parent, f.parentSequence ?? 1, fnT, f.name, f.namespace ?? 1, data.length, !!f.dir)))
  if (!f.dir) attrs.push(attr(0x80, 4, data))
  let p = 0x38
  for (const a of attrs) {
    r.set(a, p)
    p += a.length
  }
  dv.setUint32(p, 0xffffffff, true)
  dv.setUint32(0x18, p + 8, true)
  // Fixups: the update sequence number goes to the end of each 512-byte stride, the real bytes to the array.
  const usn = 0x0001
  dv.setUint16(0x30, usn, true)
  for (let i = 1; i <= 2; i++) {
    const end = i * 512 - 2
    dv.setUint16(0x30 + 2 * i, dv.getUint16(end, true), true)
    dv.setUint16(end, usn, true)
  }
  return r
}

/** An $MFT with the root (entry 5) and the given files at their entries; other entries are zero. */
export function buildMft(files: FakeFile[]): Uint8Array {
  const all = [{entry: 5, parent: 5, parentSequence: 5, sequence: 5, name: '.', dir: true, siCreated: '2024-01-01T00:00:00Z'} as FakeFile, ...files]
  const count = Math.max(...all.map((f) => f.entry)) + 1
  const out = new Uint8Array(count * RECORD)
  for (const f of all) out.set(fileRecord(f), f.entry * RECORD)
  return out
}
