/**
 * Refanging: threat-intel feeds "defang" indicators so nobody clicks them (`1.2.3[.]4`, `hxxps://`,
 * `example(.)com`, `user[@]example[.]com`). We undo the common forms before classifying. The set of forms is
 * closed on purpose: anything else is left as written and then fails classification with a clear error.
 */
const DOT_FORMS = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}/gi
const COLON_FORMS = /\[:\]|\(:\)|\{:\}/g
const AT_FORMS = /\[@\]|\(@\)|\{@\}|\[at\]|\(at\)/gi
const SEP_FORMS = /\[:\/\/\]|\[:\]\/\//g
const SCHEMES: [RegExp, string][] = [
  [/^hxxp(s?)(?=:|\[)/i, 'http$1'],
  [/^h\*\*p(s?)(?=:|\[)/i, 'http$1'],
  [/^fxp(s?)(?=:|\[)/i, 'ftp$1'],
]

export function refang(raw: string): {value: string; defanged: boolean} {
  const before = raw.trim()
  let v = before
  for (const [re, rep] of SCHEMES) v = v.replace(re, rep)
  v = v.replace(SEP_FORMS, '://')
  v = v.replace(DOT_FORMS, '.').replace(COLON_FORMS, ':').replace(AT_FORMS, '@')
  return {value: v, defanged: v !== before}
}
