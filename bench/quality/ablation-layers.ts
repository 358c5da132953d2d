/** λ sets of the layer-choice ablation (the paper's first+last among them). */
export const ABLATION_LAYERS: { name: string; layers: (n: number) => number[] }[] = [
  { name: 'first', layers: () => [0] },
  { name: 'last', layers: (n) => [n - 1] },
  { name: 'first+last', layers: (n) => [0, n - 1] },
  { name: 'two middle', layers: (n) => [n / 2 - 1, n / 2] },
  { name: 'first two', layers: () => [0, 1] },
  { name: 'last two', layers: (n) => [n - 2, n - 1] },
  { name: 'first+last+middle', layers: (n) => [0, n / 2, n - 1] },
];
