import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export interface ArtefactsListResult {
  dir: string
  artefacts: {id: string; os: string; title: string; description: string; parsers: string[]; paths: string[]}[]
  profiles: {name: string; description: string; artefacts: string[]}[]
  files_written: string[]
}

export default class ArtefactsList extends BaseCommand {
  static override summary = 'List artefact definitions and profiles'
  static override flags = {
    os: Flags.string({description: 'only this OS', options: ['windows', 'linux']}),
    profile: Flags.string({description: 'only the artefacts this profile selects'}),
    dir: Flags.string({description: 'artefacts folder (default: the built-in one)'}),
  }

  async run(): Promise<ArtefactsListResult> {
    const {flags} = await this.parse(ArtefactsList)
    const {loadDefinitions, selectArtefacts} = await import('../../artefacts/load.js')
    const defs = await loadDefinitions(flags.dir)
    let list = defs.artefacts
    if (flags.profile) {
      const w = selectArtefacts(defs, {profile: flags.profile, os: 'windows'}).artefacts
      const l = selectArtefacts(defs, {profile: flags.profile, os: 'linux'}).artefacts
      const ids = new Set([...w, ...l].map((a) => a.id))
      list = list.filter((a) => ids.has(a.id))
    }
    if (flags.os) list = list.filter((a) => a.os === flags.os)
    const artefacts = list.map((a) => ({
      id: a.id,
      os: a.os,
      title: a.title,
      description: a.description.trim(),
      parsers: [...new Set(a.sources.flatMap((s) => (s.collector === 'file' ? s.parsers : s.parser ? [s.parser] : [])))],
      paths: a.sources.flatMap((s) => (s.collector === 'file' ? s.paths : [[s.command, ...s.args].join(' ')])),
    }))
    for (const a of artefacts) this.say(`${a.id.padEnd(48)} ${a.title}${a.parsers.length ? `  [${a.parsers.join(', ')}]` : ''}`)
    this.say('')
    for (const p of defs.profiles) this.say(`profile ${p.name}: ${p.artefacts.join(' ')}`)
    if (defs.problems.length) this.warnLine(`${defs.problems.length} definition problem(s): run \`ratchet artefacts validate\``)
    return {dir: defs.dir, artefacts, profiles: defs.profiles, files_written: []}
  }
}
