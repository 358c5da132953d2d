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
