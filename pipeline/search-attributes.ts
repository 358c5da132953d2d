import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes every pipeline run carries, so runs can be found and audited
 * (`elo runs --target ko`). Registered on the dev server at start; on a cluster, by
 * `temporal operator search-attribute create`. Values are stored unencrypted: no secrets here.
 */
export const SEARCH_ATTRIBUTES = {
  EloRunName: 'Keyword',
  EloPipeline: 'Keyword',
  EloTargetLanguage: 'Keyword',
  EloBaseModel: 'Keyword',
  EloConfigHash: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/**
 * Typed keys for the attributes above. Pure (no Node APIs): the executor workflow upserts
 * EloRunName with its real run name, which a schedule cannot know in advance.
 */
export const SA = {
  runName: defineSearchAttributeKey('EloRunName', SearchAttributeType.KEYWORD),
  pipeline: defineSearchAttributeKey('EloPipeline', SearchAttributeType.KEYWORD),
  targetLanguage: defineSearchAttributeKey('EloTargetLanguage', SearchAttributeType.KEYWORD),
  baseModel: defineSearchAttributeKey('EloBaseModel', SearchAttributeType.KEYWORD),
  configHash: defineSearchAttributeKey('EloConfigHash', SearchAttributeType.KEYWORD),
};
