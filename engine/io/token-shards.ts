// Token shards (formats/) as engine input: documents streamed for evaluation, or packed into one
// EOS-separated stream for the training data loader.
import { TokenShard } from '../../formats/index.js';

export interface ShardDocumentOptions {
  /** Only documents of this language (the shard index records one per document). */
  lang?: string;
}

/** Yields each document's tokens, shard by shard, in order (for `evaluate`). */
export async function* shardDocuments(
  shardPaths: readonly string[],
  opts: ShardDocumentOptions = {},
): AsyncGenerator<Uint32Array> {
  for (const p of shardPaths) {
    const shard = await TokenShard.open(p);
    try {
      for (let i = 0; i < shard.documents.length; i++) {
        if (opts.lang !== undefined && shard.documents[i]![2] !== opts.lang) continue;
        yield await shard.readDocument(i);
      }
    } finally {
      await shard.close();
    }
  }
}

/**
 * All selected documents as one stream with `eosTokenId` after each document that does not
 * already end with it — the form PackedDataLoader packs (document ids come from the EOS marks).
 */
export async function loadPackedTokens(
  shardPaths: readonly string[],
  eosTokenId: number,
  opts: ShardDocumentOptions = {},
): Promise<Uint32Array> {
  const parts: Uint32Array[] = [];
  let total = 0;
  const eos = Uint32Array.of(eosTokenId);
  for await (const doc of shardDocuments(shardPaths, opts)) {
    parts.push(doc);
    total += doc.length;
    if (doc[doc.length - 1] !== eosTokenId) {
      parts.push(eos);
      total++;
    }
  }
  const out = new Uint32Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
