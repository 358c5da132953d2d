/**
 * The two native TensorFlow flavours the engine can run on, and every pinned input of their
 * install: the tfjs-node package tarball from npm and the TensorFlow wheel from PyPI whose
 * libtensorflow_cc.so.2 its addon is built against (why this route: docs/engine.md).
 */
import { TOOL_VERSIONS } from '../tool-versions.js';

export type NativeFlavor = 'cpu' | 'gpu';

export interface FlavorSpec {
  flavor: NativeFlavor;
  /** The npm package whose addon we build and which the engine imports. */
  npmPackage: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
  /** npm's integrity string of that tarball (as in a package-lock): the download is checked against it. */
  npmIntegrity: string;
  /** The PyPI project whose wheel carries the TensorFlow C libraries. */
  wheelProject: 'tensorflow-cpu' | 'tensorflow';
  /** The exact wheel file (one python tag; the C libraries inside are the same for every tag). */
  wheelFile: string;
  wheelSha256: string;
  /**
   * Runtime libraries from PyPI that the wheel's libraries load by their RUNPATH
   * ($ORIGIN/../nvidia/<lib>/lib): TensorFlow's own `and-cuda` extra, pinned.
   */
  runtimeWheels: string[];
}

const tf = TOOL_VERSIONS.tensorflow;
/**
 * One wheel tag is pinned, so the download (and its sha256) is the same on every machine whatever
 * its own Python: the C libraries inside are the same for every Python tag.
 */
export const WHEEL_TARGET = { python: '3.11', abi: 'cp311', platform: 'manylinux_2_27_x86_64' };
/** Older manylinux tags the same machines run: several CUDA wheels are tagged only with these. */
export const COMPATIBLE_PLATFORMS = [
  'manylinux_2_17_x86_64',
  'manylinux2014_x86_64',
  'manylinux_2_12_x86_64',
  'manylinux2010_x86_64',
];
const WHEEL_TAG = `${WHEEL_TARGET.abi}-${WHEEL_TARGET.abi}-${WHEEL_TARGET.platform}`;

export const FLAVORS: Record<NativeFlavor, FlavorSpec> = {
  cpu: {
    flavor: 'cpu',
    npmPackage: '@tensorflow/tfjs-node',
    npmIntegrity:
      'sha512-uHrXeUlfgkMxTZqHkESSV7zSdKdV0LlsBeblqkuKU9nnfxB1pC6DtoyYVaLxznzZy7WQSegjcohxxCjAf6Dc7w==',
    wheelProject: 'tensorflow-cpu',
    wheelFile: `tensorflow_cpu-${tf}-${WHEEL_TAG}.whl`,
    wheelSha256: '2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c',
    runtimeWheels: [],
  },
  gpu: {
    flavor: 'gpu',
    npmPackage: '@tensorflow/tfjs-node-gpu',
    npmIntegrity:
      'sha512-p//NN6DGiN4hInUmIkRffaFVMcdTREUMjPyjW04J7OXvB2zBlQimj61eFKSgRrH3f5TnOfKzb0n56he/B6a4bw==',
    wheelProject: 'tensorflow',
    wheelFile: `tensorflow-${tf}-${WHEEL_TAG}.whl`,
    wheelSha256: '9056fbc9ba04235810b71ae6cbd958a196e8804fb53bbcffbf3e23b56155f124',
    // tensorflow 2.21.0's `Requires-Dist: …; extra == "and-cuda"`, each at the newest release
    // inside TensorFlow's own bounds when this was pinned (CUDA 12, cuDNN 9).
    runtimeWheels: [
      'nvidia-cublas-cu12==12.9.3.13',
      'nvidia-cuda-cupti-cu12==12.8.90',
      'nvidia-cuda-nvcc-cu12==12.9.86',
      'nvidia-cuda-nvrtc-cu12==12.9.86',
      'nvidia-cuda-runtime-cu12==12.9.79',
      'nvidia-cudnn-cu12==9.28.0.42',
      'nvidia-cufft-cu12==11.4.1.4',
      'nvidia-curand-cu12==10.3.10.19',
      'nvidia-cusolver-cu12==11.7.5.82',
      'nvidia-cusparse-cu12==12.5.10.65',
      'nvidia-nccl-cu12==2.32.3',
      'nvidia-nvjitlink-cu12==12.9.86',
    ],
  },
};

/** Where a flavour's pieces live under the tools folder (shared by clones through ELO_TOOLS_DIR). */
export function flavorDirName(spec: FlavorSpec): string {
  return `tfjs-node-${TOOL_VERSIONS.tfjsNode}-tf-${tf}-${spec.flavor}`;
}
