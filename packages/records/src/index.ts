export {
  RecordsError,
  CorruptFileError,
  RecordDecodeError,
  JSONSyntaxError,
  InvalidTimestampError,
  InvalidBigDataKeyError,
  UnsupportedValueError,
  ReadOnlyStoreError,
} from './errors.js';
export { JSONNumber, JSONObject, type JSONValue } from './json-value.js';
export { parseJSON } from './json-parse.js';
export { encodeGoJSON, quoteGoString, formatGoFloat, compareByteOrder, type GoValue } from './json-encode.js';
export { GoTime } from './time.js';
export {
  splitMembers,
  readString,
  readBool,
  readInt,
  readArray,
  readStringArray,
  readMap,
  readTime,
  readGeneric,
  readGenericMap,
  genericToGo,
  type GenericValue,
} from './decode.js';
export { readIDMaps, idMapsToGo, type IDMap } from './id-map.js';
export { bigDataFileName, bigDataPath } from './big-data-key.js';
export { atomicWriteFile, atomicWriteStream, type AtomicWriteOptions } from './atomic-write.js';
export { readRecordArray, decodeRecordArray, writeRecordArray } from './record-file.js';
export { readFileWithMtime } from './read-small.js';
export { GuardedFiles, type GuardedFilesOptions } from './guarded-files.js';
export {
  DuplicateIDError,
  DuplicateNameError,
  BigDataUnknownError,
  SizeUnknownError,
  DigestUnknownError,
  type RecordKind,
} from './store-errors.js';
export { dedupeNames, assertStorableID } from './record-ids.js';
export { writeBigDataFile } from './big-data-file.js';
export {
  type RecordFields,
  type StoredRecord,
  type RecordReader,
  type RecordWriter,
  BIG_DATA_FIELDS,
  readBigDataMembers,
  bigDataMembersToGo,
  copyBigDataMembers,
  flagsToGo,
} from './stored-record.js';
export { RecordIndex } from './record-index.js';
export { RecordStore, type RecordStoreOptions, type RecordStoreCore } from './record-store.js';
export { RecordView, type NewRecordOptions, type BigDataRead } from './record-view.js';
