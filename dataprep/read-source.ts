// Documents out of one source, streamed line by line: a local file or an `s3://bucket/key`
// object. JSONL gives one document per line (its text field); plain text gives one document
// per blank-line-separated block.
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../storage/s3-client.js';
import { s3SettingsFromEnv, type S3Settings } from '../storage/s3-settings.js';
import { DataPrepError } from './errors.js';
import type { SourceParams } from './params.js';

export interface SourceDocument {
  text: string;
  /** `path:line` of the document's first line, for error messages and tracing. */
  where: string;
}

export interface ReadSourceOptions {
  /** S3 settings for `s3://` sources; default from the environment. */
  s3?: S3Settings;
}

export function sourceFormat(src: SourceParams): 'text' | 'jsonl' {
  return src.format ?? (/\.jsonl$/i.test(src.path) ? 'jsonl' : 'text');
}

export async function* readSource(
  src: SourceParams,
  field: string,
  opts: ReadSourceOptions = {},
): AsyncGenerator<SourceDocument> {
  const format = sourceFormat(src);
  const { stream, close } = await openSource(src.path, field, opts);
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    if (format === 'jsonl') {
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        yield { text: jsonlText(line, src, lineNo, field), where: `${src.path}:${lineNo}` };
      }
      return;
    }
    let block: string[] = [];
    let start = 0;
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') {
        if (block.length) yield { text: block.join('\n'), where: `${src.path}:${start}` };
        block = [];
      } else {
        if (!block.length) start = lineNo;
        block.push(line);
      }
    }
    if (block.length) yield { text: block.join('\n'), where: `${src.path}:${start}` };
  } finally {
    lines.close();
    stream.destroy();
    close();
  }
}

function jsonlText(line: string, src: SourceParams, lineNo: number, field: string): string {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    throw new DataPrepError(`${src.path}:${lineNo}: not JSON (${(err as Error).message})`, field);
  }
  const text =
    typeof obj === 'object' && obj !== null
      ? (obj as Record<string, unknown>)[src.textField]
      : undefined;
  if (typeof text !== 'string') {
    throw new DataPrepError(
      `${src.path}:${lineNo}: no string field "${src.textField}" (set textField)`,
      field,
    );
  }
  return text;
}

async function openSource(
  p: string,
  field: string,
  opts: ReadSourceOptions,
): Promise<{ stream: Readable; close: () => void }> {
  if (p.startsWith('s3://')) {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(p);
    if (!m) throw new DataPrepError(`"${p}" is not s3://bucket/key`, field);
    const client = createS3Client(opts.s3 ?? s3SettingsFromEnv());
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
      return { stream: res.Body as Readable, close: () => client.destroy() };
    } catch (err) {
      client.destroy();
      throw new DataPrepError(`cannot read ${p} (${(err as Error).message})`, field);
    }
  }
  const stream = createReadStream(p);
  // Surface a missing file as a field error before the first read, not as a stream crash.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) =>
      reject(new DataPrepError(`cannot read ${p} (${err.message})`, field)),
    );
  });
  return { stream, close: () => {} };
}
