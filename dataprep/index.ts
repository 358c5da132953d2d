// dataprep/: the data-preparation library behind the `prepare-data` stage (plain TS: no tfjs,
// no Temporal). One entry, `prepareData(params, outDir)`; the rest is exported for tests and for
// stages that need a piece (script share, the params schema).
export { prepareData } from './prepare-data.js';
export type { PrepareDataOptions, PrepareDataProgress, PrepareDataResult } from './prepare-data.js';
export {
  prepareDataParamsSchema,
  parsePrepareDataParams,
  resolveMix,
  sourceSchema,
  languageSchema,
} from './params.js';
export type {
  PrepareDataParams,
  ResolvedPrepareDataParams,
  SourceParams,
  LanguageParams,
} from './params.js';
export type * from './stats.js';
export { DataPrepError, NotEnoughDataError } from './errors.js';
export { scriptMatcher, type ScriptMatcher } from './scripts.js';
export { normalizeText, utf8Bytes } from './normalize.js';
export { documentHash, hashUniform, isValidation } from './doc-hash.js';
export { dropReason, type DocumentFilter, type DropReason } from './document-filter.js';
export { planMix, type MixPlan } from './mix-plan.js';
export { readSource, sourceFormat, type SourceDocument } from './read-source.js';
export { ShardSetWriter } from './shard-set-writer.js';
export { shippedCorporaParams, type ShippedCorporaOptions } from './shipped-corpora.js';
