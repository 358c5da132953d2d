import type { StageDef } from './stage.js';

/**
 * The stages a DAG may use, by name. Pure metadata (no implementations): the workflow bundle
 * imports it to validate DAGs and choose activity options; workers pair it with implementations.
 */
export class StageRegistry {
  private readonly byName = new Map<string, StageDef>();

  constructor(stages: readonly StageDef[] = []) {
    for (const stage of stages) this.register(stage);
  }

  register(stage: StageDef): this {
    if (!/^[a-z][a-z0-9-]*$/.test(stage.name)) {
      throw new Error(`stage name "${stage.name}" must be kebab-case (it is the activity type)`);
    }
    if (this.byName.has(stage.name)) throw new Error(`stage "${stage.name}" registered twice`);
    this.byName.set(stage.name, stage);
    return this;
  }

  get(name: string): StageDef | undefined {
    return this.byName.get(name);
  }

  require(name: string): StageDef {
    const stage = this.byName.get(name);
    if (!stage) throw new Error(`unknown stage "${name}" (known: ${this.names().join(', ')})`);
    return stage;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): StageDef[] {
    return [...this.byName.values()];
  }
}
