// A run module for a node type whose engine side belongs to a later issue: it fails clearly and never fakes output.
import { NotImplementedYetError, type NodeRunModule } from '../../app/nodes/run-contract.ts';

export function notImplementedRun(type: string, detail: string): NodeRunModule {
  return {
    type,
    run: async () => {
      throw new NotImplementedYetError(type, detail);
    },
  };
}
