export {EvtxWriter, CHUNK_SIZE, CHUNK_HEADER_SIZE, FILE_HEADER_SIZE} from './writer.js'
export type {EvtxEventSpec, EvtxEventBody} from './event.js'
export {v, encodeGuid, encodeSid, filetimeFromIso, type EvtxValue} from './values.js'
export {nameHash} from './binxml.js'
