import type { EventDraft } from './events.ts';
import type { Change, ChangeOutcome, Mutation } from './outbox.ts';

/** How use cases write: changes built and committed through the service's outbox. */
export interface ChangeWriter {
  change(mutations: Mutation[], events: EventDraft[]): Change;
  commit(changes: Change[]): Promise<ChangeOutcome[]>;
}

export async function commitOne(writer: ChangeWriter, change: Change): Promise<ChangeOutcome> {
  const [outcome] = await writer.commit([change]);
  return outcome ?? { status: 'applied' };
}
