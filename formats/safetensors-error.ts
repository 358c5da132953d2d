/** Any problem with a safetensors file or index; the message names the file (and tensor). */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    readonly reason: string,
  ) {
    super(tensor === undefined ? `${file}: ${reason}` : `${file}: tensor "${tensor}": ${reason}`);
  }
}
