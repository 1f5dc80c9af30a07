/** What a change of enabled features touched: an agency's plan, a plan's feature list, or one location's switch. */
export type FeatureScope = { agencyId: string } | { planCode: string } | { locationId: string };

/** Runs after a change of enabled features committed (the connections feature stops or resumes push there). */
export type FeaturesChangedHook = (scope: FeatureScope) => Promise<void>;

export class FeatureHooks {
  private readonly hooks: FeaturesChangedHook[] = [];

  register(hook: FeaturesChangedHook): void {
    this.hooks.push(hook);
  }

  async afterFeaturesChanged(scope: FeatureScope): Promise<void> {
    for (const hook of this.hooks) await hook(scope);
  }
}
