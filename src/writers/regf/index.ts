export {writeRegf, lhHash, upcaseName, baseBlockChecksum, BIG_DATA_SEGMENT} from './writer.js'
export {REG_TYPES, type RegTypeName, type RegfKey, type RegfValue, type RegfWriteOptions} from './types.js'
export {selfRelativeSd, defaultKeySecurity, type Ace} from './security.js'
