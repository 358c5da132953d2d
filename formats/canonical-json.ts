// Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, undefined properties
// dropped, so equal data hashes equally whatever the key order or formatting of its source.
// Pure (no Node APIs): workflow code may use it too.

export function canonicalJson(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // JSON.stringify would write null: two different configs must never share a cache key.
    throw new TypeError(`canonicalJson: ${value} has no JSON form`);
  }
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
    return s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value);
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
