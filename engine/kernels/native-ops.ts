// TensorFlow ops tfjs-node has no tfjs kernel for, run through its binding by name (the way
// tfjs-node itself runs its summary-writer ops). Each replaces a chain of eager kernels with one
// fused TensorFlow kernel: eager TensorFlow runs every tfjs op as its own pass over memory.
// Only on the `tensorflow` backend (CPU or GPU); callers check opForms() first.
import * as tf from '@tensorflow/tfjs-core';

/** The members of tfjs-node's NodeJSKernelBackend used here (no public typings). */
interface NodeBackend {
  binding: {
    TF_FLOAT: number;
    TF_INT32: number;
    TF_ATTR_STRING: number;
    TF_ATTR_TYPE: number;
    TF_ATTR_SHAPE: number;
    TF_ATTR_BOOL: number;
  };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: OpAttr[],
    inputs: tf.Tensor[],
    numOutputs: number,
  ): tf.Tensor[];
}

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

function nodeBackend(): NodeBackend {
  if (tf.getBackend() !== 'tensorflow') {
    throw new Error(`native TensorFlow op on backend ${tf.getBackend()}`);
  }
  return tf.backend() as unknown as NodeBackend;
}

function floatType(be: NodeBackend, name: string): OpAttr {
  return { name, type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT };
}

function boolAttr(be: NodeBackend, name: string, value: boolean): OpAttr {
  return { name, type: be.binding.TF_ATTR_BOOL, value };
}

/**
 * TensorFlow's name for an anonymous resource: the variable lives as long as its handle (the
 * constant eager TensorFlow itself uses, context.anonymous_name()).
 */
const ANONYMOUS = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

/**
 * A float32 resource variable: its value is updated in place by TensorFlow's training ops. The
 * handle is a tfjs 'string' tensor (how tfjs-node represents DT_RESOURCE); dispose it to free.
 */
export function variableHandle(shape: readonly number[]): tf.Tensor {
  const be = nodeBackend();
  return be.executeSingleOutput(
    'VarHandleOp',
    [
      { name: 'container', type: be.binding.TF_ATTR_STRING, value: '' },
      { name: 'shared_name', type: be.binding.TF_ATTR_STRING, value: ANONYMOUS },
      floatType(be, 'dtype'),
      { name: 'shape', type: be.binding.TF_ATTR_SHAPE, value: [...shape] },
    ],
    [],
  );
}

/** handle := value. TensorFlow shares value's buffer (copy-on-write), no copy here. */
export function assignVariable(handle: tf.Tensor, value: tf.Tensor): void {
  const be = nodeBackend();
  be.executeMultipleOutputs(
    'AssignVariableOp',
    [floatType(be, 'dtype'), boolAttr(be, 'validate_shape', true)],
    [handle, value],
    0,
  );
}

/** The variable's value (shares its buffer until either side is written). */
export function readVariable(handle: tf.Tensor): tf.Tensor {
  const be = nodeBackend();
  return be.executeSingleOutput('ReadVariableOp', [floatType(be, 'dtype')], [handle]);
}

export interface AdamScalars {
  beta1Power: tf.Scalar;
  beta2Power: tf.Scalar;
  lr: tf.Scalar;
  beta1: tf.Scalar;
  beta2: tf.Scalar;
  epsilon: tf.Scalar;
}

/**
 * TensorFlow's ResourceApplyAdam, one fused pass, in place on the three variables:
 * m += (g - m)(1 - beta1); v += (g² - v)(1 - beta2);
 * var -= lr·sqrt(1 - beta2Power)/(1 - beta1Power) · m / (sqrt(v) + epsilon).
 */
export function resourceApplyAdam(
  variable: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  s: AdamScalars,
  grad: tf.Tensor,
): void {
  const be = nodeBackend();
  be.executeMultipleOutputs(
    'ResourceApplyAdam',
    [floatType(be, 'T'), boolAttr(be, 'use_locking', false), boolAttr(be, 'use_nesterov', false)],
    [variable, m, v, s.beta1Power, s.beta2Power, s.lr, s.beta1, s.beta2, s.epsilon, grad],
    0,
  );
}

/** sum(t²) / 2 in one kernel (TensorFlow's L2Loss). */
export function l2Loss(t: tf.Tensor): tf.Scalar {
  const be = nodeBackend();
  return be.executeSingleOutput('L2Loss', [floatType(be, 'T')], [t]) as tf.Scalar;
}

/** x rolled by `shift` along `axis` (TensorFlow's Roll: one pass, where slices + concat are 3). */
export function roll(x: tf.Tensor, shift: number, axis: number): tf.Tensor {
  const be = nodeBackend();
  return tf.tidy(() =>
    be.executeSingleOutput(
      'Roll',
      [
        floatType(be, 'T'),
        { name: 'Tshift', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_INT32 },
        { name: 'Taxis', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_INT32 },
      ],
      [x, tf.scalar(shift, 'int32'), tf.scalar(axis, 'int32')],
    ),
  );
}
