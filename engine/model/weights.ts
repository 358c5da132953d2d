// The model's parameters: HF tensor names, shapes, seeded init, and import/export.
//
// Storage layout: every nn.Linear weight is kept TRANSPOSED relative to HF ([in, out] instead of
// HF's [out, in]), so the forward pass is a plain matMul (no transposeB: slow on WASM, see
// kernels/fast-mat-mul.ts). Conversion happens only at import/export. Embeddings and norms keep
// HF's layout.
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors.js';
import { Prng } from '../prng.js';
import { biasLayout, DEFAULT_INITIALIZER_RANGE, type LlamaConfig } from './config.js';

export type ParamKind = 'linear' | 'bias' | 'norm' | 'embedding';
export type ParamGroup = 'embed' | 'layer' | 'head'; // head = final norm + lm_head

export interface ParamSpec {
  name: string; // HF name, e.g. model.layers.3.self_attn.q_proj.weight
  hfShape: number[]; // shape in the safetensors file
  kind: ParamKind;
  group: ParamGroup;
  layer: number | null; // original layer index for group 'layer'
}

/** A host-side tensor in HF layout (what safetensors files hold, as float32). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type HostWeights = Map<string, HostTensor>;

export function layerPrefix(layer: number): string {
  return `model.layers.${layer}`;
}

/** Every parameter of a model holding `layers` (original indices), in a fixed order. */
export function parameterSpecs(config: LlamaConfig, layers: readonly number[]): ParamSpec[] {
  const { hiddenSize: d, intermediateSize: ff, vocabSize: v, headDim: hd } = config;
  const qDim = config.numAttentionHeads * hd;
  const kvDim = config.numKeyValueHeads * hd;
  const bias = biasLayout(config);
  const specs: ParamSpec[] = [
    {
      name: 'model.embed_tokens.weight',
      hfShape: [v, d],
      kind: 'embedding',
      group: 'embed',
      layer: null,
    },
  ];
  for (const layer of layers) {
    const p = layerPrefix(layer);
    const add = (name: string, hfShape: number[], kind: ParamKind): void => {
      specs.push({ name: `${p}.${name}`, hfShape, kind, group: 'layer', layer });
    };
    add('input_layernorm.weight', [d], 'norm');
    for (const [proj, out] of [
      ['q_proj', qDim],
      ['k_proj', kvDim],
      ['v_proj', kvDim],
    ] as const) {
      add(`self_attn.${proj}.weight`, [out, d], 'linear');
      if (bias.qkv) add(`self_attn.${proj}.bias`, [out], 'bias');
    }
    add('self_attn.o_proj.weight', [d, qDim], 'linear');
    if (bias.o) add('self_attn.o_proj.bias', [d], 'bias');
    add('post_attention_layernorm.weight', [d], 'norm');
    add('mlp.gate_proj.weight', [ff, d], 'linear');
    add('mlp.up_proj.weight', [ff, d], 'linear');
    add('mlp.down_proj.weight', [d, ff], 'linear');
  }
  specs.push({ name: 'model.norm.weight', hfShape: [d], kind: 'norm', group: 'head', layer: null });
  if (!config.tieWordEmbeddings) {
    specs.push({
      name: 'lm_head.weight',
      hfShape: [v, d],
      kind: 'linear',
      group: 'head',
      layer: null,
    });
  }
  return specs;
}

/** Shape of the tf.Variable: linear weights are stored [in, out]. */
export function storageShape(spec: ParamSpec): number[] {
  if (spec.kind !== 'linear') return spec.hfShape;
  const [out, inp] = spec.hfShape as [number, number];
  return [inp, out];
}

/** 2-D transpose on the host (import/export of linear weights). */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  }
  return out;
}

/**
 * HF init (LlamaPreTrainedModel._init_weights): linear and embedding weights ~ N(0, initializer
 * range), biases 0, RMSNorm weights 1 — drawn from our PRNG so a seed fixes them everywhere.
 */
export function initHostWeights(
  config: LlamaConfig,
  layers: readonly number[],
  seed: number,
  initializerRange = DEFAULT_INITIALIZER_RANGE,
): HostWeights {
  const rng = new Prng(seed);
  const out: HostWeights = new Map();
  for (const spec of parameterSpecs(config, layers)) {
    const data = new Float32Array(tf.util.sizeFromShape(spec.hfShape));
    if (spec.kind === 'norm') data.fill(1);
    else if (spec.kind !== 'bias') {
      for (let i = 0; i < data.length; i++) data[i] = rng.nextNormal() * initializerRange;
    }
    out.set(spec.name, { shape: [...spec.hfShape], data });
  }
  return out;
}

/** The model's variables, keyed by HF name. */
export class ModelWeights {
  private constructor(
    readonly specs: ParamSpec[],
    readonly variables: Map<string, tf.Variable>,
  ) {}

  /**
   * Creates variables from HF-layout host tensors; `source` names the file in errors. Extra
   * tensors in `host` (layers this model does not hold) are ignored.
   */
  static fromHost(
    config: LlamaConfig,
    layers: readonly number[],
    host: HostWeights,
    source = '<weights>',
    only: (spec: ParamSpec) => boolean = () => true,
  ): ModelWeights {
    // `only`: a part of the model (streaming evaluation holds one layer, or the non-layer part).
    const specs = parameterSpecs(config, layers).filter(only);
    for (const spec of specs) {
      const t = host.get(spec.name);
      if (!t) throw new ShapeMismatchError(source, spec.name, spec.hfShape, 'missing');
      if (!tf.util.arraysEqual(t.shape, spec.hfShape)) {
        throw new ShapeMismatchError(source, spec.name, spec.hfShape, t.shape);
      }
    }
    const variables = new Map<string, tf.Variable>();
    for (const spec of specs) {
      const t = host.get(spec.name)!;
      const shape = storageShape(spec);
      const data =
        spec.kind === 'linear' ? transpose2d(t.data, spec.hfShape[0]!, spec.hfShape[1]!) : t.data;
      // tidy disposes the temporary tensor; the variable survives (variables are never tidied).
      // tfjs variable names are process-global: auto names keep two models apart.
      const variable = tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), true));
      variables.set(spec.name, variable);
    }
    return new ModelWeights(specs, variables);
  }

  /** HF name of each variable, keyed by the variable's tfjs name (what tf.variableGrads returns). */
  hfNamesByVariable(): Map<string, string> {
    return new Map([...this.variables].map(([hf, v]) => [v.name, hf]));
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.variables.has(name);
  }

  /** Reads every variable back in HF layout (a copy). */
  toHost(): HostWeights {
    const out: HostWeights = new Map();
    for (const spec of this.specs) {
      const data = this.get(spec.name).dataSync() as Float32Array;
      out.set(spec.name, {
        shape: [...spec.hfShape],
        data:
          spec.kind === 'linear'
            ? transpose2d(data, spec.hfShape[1]!, spec.hfShape[0]!)
            : Float32Array.from(data),
      });
    }
    return out;
  }

  /** Like toHost, but each tensor is read (and transposed back) only when asked for. */
  toHostLazy(): Map<string, { shape: number[]; read: () => Float32Array }> {
    return new Map(
      this.specs.map((spec) => [
        spec.name,
        {
          shape: [...spec.hfShape],
          read: () => {
            const data = this.get(spec.name).dataSync() as Float32Array;
            return spec.kind === 'linear'
              ? transpose2d(data, spec.hfShape[1]!, spec.hfShape[0]!)
              : data;
          },
        },
      ]),
    );
  }

  /**
   * Overwrites variables from HF-layout host tensors. Every name and shape is checked before
   * anything is assigned, so a mismatch leaves the model as it was.
   */
  assignFromHost(host: HostWeights, source = '<weights>'): void {
    for (const spec of this.specs) {
      const t = host.get(spec.name);
      if (!t) throw new ShapeMismatchError(source, spec.name, spec.hfShape, 'missing');
      if (!tf.util.arraysEqual(t.shape, spec.hfShape)) {
        throw new ShapeMismatchError(source, spec.name, spec.hfShape, t.shape);
      }
    }
    for (const spec of this.specs) {
      const t = host.get(spec.name)!;
      const data =
        spec.kind === 'linear' ? transpose2d(t.data, spec.hfShape[0]!, spec.hfShape[1]!) : t.data;
      tf.tidy(() => this.get(spec.name).assign(tf.tensor(data, storageShape(spec), 'float32')));
    }
  }

  numParameters(): number {
    return this.specs.reduce((n, s) => n + tf.util.sizeFromShape(s.hfShape), 0);
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}
