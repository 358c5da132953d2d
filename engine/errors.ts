// Typed errors of the engine: callers (activities, CLI) branch on the class, users read the message.

/** Base class, so callers can tell engine failures from bugs elsewhere. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config field (or value) the engine does not implement, e.g. an unknown rope_scaling type. */
export class UnsupportedConfigError extends EngineError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    detail = '',
  ) {
    super(`unsupported config ${field}=${JSON.stringify(value)}${detail ? `: ${detail}` : ''}`);
  }
}

/** A layer index outside [-numHiddenLayers, numHiddenLayers). */
export class LayerIndexError extends EngineError {
  constructor(
    readonly index: number,
    readonly numHiddenLayers: number,
  ) {
    super(
      `layer index ${index} is out of range for a model with ${numHiddenLayers} layers ` +
        `(valid: ${-numHiddenLayers}..${numHiddenLayers - 1})`,
    );
  }
}

/** A tensor in a weights/checkpoint file whose shape (or presence) disagrees with the config. */
export class ShapeMismatchError extends EngineError {
  constructor(
    readonly file: string,
    readonly tensor: string,
    readonly expected: readonly number[] | 'present',
    readonly actual: readonly number[] | 'missing',
  ) {
    super(
      `${file}: tensor ${tensor} ` +
        (actual === 'missing'
          ? 'is missing'
          : `has shape [${actual.join(', ')}], expected [${(expected as number[]).join(', ')}]`),
    );
  }
}

/** The training loss became NaN or Inf; the last good checkpoint is left untouched. */
export class NonFiniteLossError extends EngineError {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `non-finite loss ${loss} at step ${step}; last good checkpoint: ${lastCheckpoint ?? 'none'}`,
    );
  }
}

/** No checkpoint (or no verifiable one) where one was required, or a corrupt one was named. */
export class CheckpointError extends EngineError {}

/** A token id outside the model's vocabulary (bad --token-ids input, or a mismatched tokenizer). */
export class TokenIdError extends EngineError {
  constructor(
    readonly tokenId: number,
    readonly vocabSize: number,
  ) {
    super(`token id ${tokenId} is outside the vocabulary (size ${vocabSize})`);
  }
}
