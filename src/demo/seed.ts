/** Seed of the demo's routine noise (the intrusion itself is fixed); its own module so the demo commands' flag
 * defaults do not import the generators. */
export const DEFAULT_DEMO_SEED = 20231102
