import { c2cAfterSend, groupAfterSend } from './after-send.js';
import { c2cBeforeSend, groupBeforeSend } from './before-send.js';
import { groupDestroyed } from './group-destroyed.js';
import { stateChange } from './logged-only.js';
import { c2cModify, groupModify } from './modify.js';
import { portraitSet } from './portrait-set.js';
import { c2cRecall, groupRecall } from './recall.js';
import type { CallbackCommand, CommandPhase } from './types.js';

/** Every callback command this service understands, by CallbackCommand. Any other is logged and answered OK. */
export const COMMANDS: ReadonlyMap<string, CallbackCommand> = new Map(
  [
    c2cBeforeSend,
    groupBeforeSend,
    c2cAfterSend,
    groupAfterSend,
    c2cRecall,
    groupRecall,
    c2cModify,
    groupModify,
    groupDestroyed,
    portraitSet,
    stateChange,
  ].map((command) => [command.name, command as CallbackCommand]),
);

export function phaseOf(commandName: string | undefined): CommandPhase {
  return (commandName && COMMANDS.get(commandName)?.phase) || 'other';
}
