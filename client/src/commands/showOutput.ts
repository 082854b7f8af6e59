import type { ExtensionState } from '../state';

/** The command id. */
export const SHOW_OUTPUT = 'skillmeat.showOutput';

/** SkillMeat: Show Output — the channel with the server log and the CLI runs. */
export function showOutput(state: ExtensionState): void {
  state.output.show(true);
}
