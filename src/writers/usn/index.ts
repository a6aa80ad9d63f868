export {encodeUsnRecordV2, writeUsnJournal, USN_REASON, FILE_ATTRIBUTE, USN_PAGE, type UsnFileRef, type UsnRecordSpec} from './writer.js'
