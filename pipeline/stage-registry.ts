import type { StageDef } from './stage.js';
import type { StageInfo } from './stage-info.js';

/**
 * The stages a DAG may use, by name. No implementations: of full definitions (`StageDef`, zod
 * schemas: clients, activities, workers) or of their plain part (`StageInfo`: the workflow).
 */
export class StageRegistry<S extends StageInfo | StageDef = StageDef> {
  private readonly byName = new Map<string, S>();

  // NoInfer: a list of definitions makes a StageRegistry<StageDef>, not one of their union.
  constructor(stages: readonly NoInfer<S>[] = []) {
    for (const stage of stages) this.register(stage);
  }

  register(stage: S): this {
    if (!/^[a-z][a-z0-9-]*$/.test(stage.name)) {
      throw new Error(`stage name "${stage.name}" must be kebab-case (it is the activity type)`);
    }
    if (this.byName.has(stage.name)) throw new Error(`stage "${stage.name}" registered twice`);
    this.byName.set(stage.name, stage);
    return this;
  }

  get(name: string): S | undefined {
    return this.byName.get(name);
  }

  require(name: string): S {
    const stage = this.byName.get(name);
    if (!stage) throw new Error(`unknown stage "${name}" (known: ${this.names().join(', ')})`);
    return stage;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): S[] {
    return [...this.byName.values()];
  }
}
