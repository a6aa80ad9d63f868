import type {Artefact} from '../../artefacts/schema.js'
import type {VolatileStage} from '../collect.js'
import {runVolatileStage} from './index.js'

/**
 * The volatile stage as `collect()` takes it: the selected artefacts' command sources, most volatile first.
 * collect() calls it only in live mode (a mounted image has no running state).
 */
export function volatileStageFor(artefacts: Artefact[], os: 'windows' | 'linux'): VolatileStage {
  return async (sink) => {
    await runVolatileStage(artefacts, sink, {os})
  }
}
