// A sequence of token shards (`<prefix>-0000.bin`, ...) filled document by document; a new
// shard starts when the next document would push the current one past `shardTokens`, so
// documents are never split across shards. Without `shardTokens`: one shard, `<prefix>.bin`.
import path from 'node:path';
import { TokenShardWriter, type TokenShardWriterOptions } from '../formats/index.js';

export class ShardSetWriter {
  private current: TokenShardWriter | undefined;
  private readonly files: string[] = [];
  private total = 0;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly opts: TokenShardWriterOptions,
    private readonly shardTokens?: number,
  ) {}

  get tokens(): number {
    return this.total;
  }

  async append(tokens: ArrayLike<number>, lang: string): Promise<void> {
    if (
      this.current &&
      this.shardTokens !== undefined &&
      this.current.tokens + tokens.length > this.shardTokens
    ) {
      await this.closeCurrent();
    }
    if (!this.current) {
      const name =
        this.shardTokens === undefined
          ? `${this.prefix}.bin`
          : `${this.prefix}-${String(this.files.length).padStart(4, '0')}.bin`;
      this.current = await TokenShardWriter.create(path.join(this.dir, name), this.opts);
      this.files.push(name.replace(/\.bin$/, '.json'));
    }
    await this.current.appendDocument(tokens, lang);
    this.total += tokens.length;
  }

  /** Index file names (relative to `dir`) of the shards written. */
  async close(): Promise<string[]> {
    await this.closeCurrent();
    return [...this.files];
  }

  async abort(): Promise<void> {
    await this.current?.abort();
    this.current = undefined;
  }

  private async closeCurrent(): Promise<void> {
    if (!this.current) return;
    const w = this.current;
    this.current = undefined;
    await w.close();
  }
}
