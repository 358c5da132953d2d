// Text normalization applied before filtering, hashing and tokenizing, so the same text written
// with composed or decomposed characters (Hangul syllables vs jamo sequences) is one document.

/** NFC, `\r\n`/`\r` → `\n`, trailing whitespace off each line, outer blank lines off. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+$/gm, '')
    .replace(/^\n+|\s+$/g, '');
}

/** UTF-8 byte length (bits per byte divides by this). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
