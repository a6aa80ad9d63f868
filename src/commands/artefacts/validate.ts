import {Args} from '@oclif/core'
import type {DefinitionProblem} from '../../artefacts/load.js'
import {BaseCommand} from '../../cli/base.js'
import {ExitCode} from '../../core/exit-codes.js'

export interface ArtefactsValidateResult {
  dir: string
  artefacts: number
  profiles: number
  problems: DefinitionProblem[]
  valid: boolean
  files_written: string[]
}

export default class ArtefactsValidate extends BaseCommand {
  static override summary = 'Check artefact definitions and profiles against the schema (exit 4 when any is invalid)'
  static override args = {dir: Args.string({description: 'artefacts folder (default: the built-in one)'})}

  async run(): Promise<ArtefactsValidateResult> {
    const {args} = await this.parse(ArtefactsValidate)
    const {loadDefinitions} = await import('../../artefacts/load.js')
    const defs = await loadDefinitions(args.dir)
    for (const p of defs.problems) this.say(`${p.file}: ${p.field}: ${p.message}`)
    this.say(`${defs.artefacts.length} artefact(s), ${defs.profiles.length} profile(s), ${defs.problems.length} problem(s)`)
    if (defs.problems.length) this.setExitCode(ExitCode.INPUT)
    return {dir: defs.dir, artefacts: defs.artefacts.length, profiles: defs.profiles.length, problems: defs.problems, valid: defs.problems.length === 0, files_written: []}
  }
}
