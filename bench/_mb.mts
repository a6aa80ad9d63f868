import {readFileSync} from 'node:fs'
const lines = readFileSync('/tmp/mb/ev.jsonl', 'utf8').trim().split('\n')
const evs = lines.map((l) => JSON.parse(l))
const vals: string[] = []
for (const e of evs) { for (const k of ['message','host','user','src_ip','id','event_type','source','artefact','timestamp_desc','process','command_line']) if (typeof e[k] === 'string') vals.push(e[k]); vals.push(e.evidence.member, e.evidence.sha256, JSON.stringify(e.attributes)) }
console.log('cells', vals.length, 'chars', vals.reduce((a, s) => a + s.length, 0))
const R = /\r\n|[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g
const T = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/
const f = (c: string) => c
function loop(s: string) { for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c < 0x20 ? c !== 9 : c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029) return true } return false }
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now(); let n = 0
  for (const v of vals) n += v.replace(R, f).length
  console.log('replace', (performance.now() - t) | 0)
  t = performance.now(); n = 0
  for (const v of vals) n += T.test(v) ? 1 : 0
  console.log('test', (performance.now() - t) | 0, n)
  t = performance.now(); n = 0
  for (const v of vals) n += loop(v) ? 1 : 0
  console.log('loop', (performance.now() - t) | 0, n)
}
