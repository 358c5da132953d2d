// Builds a small byte-level BPE tokenizer.json (the GPT-2 / Llama 3 / Qwen family layout) by
// training merges on a tiny corpus, so tokenizer tests need no downloaded files.

/** GPT-2's reversible byte → printable-character map. */
export function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + extra++);
  }
  return out;
}

export const SPECIAL = '<|endoftext|>';

export function makeByteLevelBpe(corpus: string, numMerges: number): Record<string, unknown> {
  const map = bytesToUnicode();
  const enc = new TextEncoder();
  const vocab: Record<string, number> = {};
  map.forEach((ch, i) => (vocab[ch] = i));
  // Words as the ByteLevel pre-tokenizer sees them: a leading space joins the word after it.
  const words = new Map<string, number>();
  for (const w of corpus.match(/ ?[^\s]+|\s+/gu) ?? []) words.set(w, (words.get(w) ?? 0) + 1);
  let seqs = [...words].map(([w, n]) => ({ syms: [...enc.encode(w)].map((b) => map[b]!), n }));
  const merges: [string, string][] = [];
  while (merges.length < numMerges) {
    const counts = new Map<string, number>();
    for (const { syms, n } of seqs) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = `${syms[i]}\u0000${syms[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestN = 0;
    for (const [k, n] of counts)
      if (n > bestN || (n === bestN && best && k < best)) [best, bestN] = [k, n];
    if (!best) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    vocab[a + b] ??= Object.keys(vocab).length;
    seqs = seqs.map(({ syms, n }) => {
      const out: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (syms[i] === a && syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(syms[i]!);
      }
      return { syms: out, n };
    });
  }
  const specialId = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: specialId,
        content: SPECIAL,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: {
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

export const CORPUS = [
  'The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.',
  '오늘 날씨가 정말 좋네요. 한국어 문장을 토큰으로 나눕니다. 날씨가 좋아요.',
  '今日はとても良い天気ですね。日本語の文章をトークンに分けます。天気が良い。',
].join('\n');
