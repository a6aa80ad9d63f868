/** Built-in IOC packs and rules ship in `artefacts/` beside the artefact definitions (see artefacts/load.ts). */
export {defaultArtefactsDir as artefactsDir} from '../artefacts/load.js'
