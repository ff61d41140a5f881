import { readFileSync } from 'node:fs';
import type { MeasuredCosts } from './model.js';

interface Line {
  readonly value: number;
  readonly parts?: Record<string, number>;
}

/** The per-operation costs `npm run bench` measured, from bench/results.json; names what is missing. */
export function measuredCosts(resultsPath: string): MeasuredCosts {
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, Line>;
  const line = (name: string): Line => {
    const found = results[name];
    if (!found || typeof found.value !== 'number')
      throw new Error(
        `${resultsPath} has no ${name}: run \`npm run bench -- --only callback,expire,deletion\` first`,
      );
    return found;
  };
  const writes = line('unit.callbackWriteUnits');
  return {
    writeUnitsTotal: writes.value,
    writeUnitsPerMessage: writes.parts ?? { personal: writes.value },
    readUnitsPerMessage: line('unit.callbackReadUnits').value,
    callbackMs: line('unit.callbackMs').value,
    storedMessageBytes: line('unit.storedMessageBytes').value,
    expireCapacityPerItem: line('unit.expireCapacityPerItem').value,
    expireItemsPerSecond: line('unit.expireItemsPerSecond').value,
    erasureCapacityPerItem: line('unit.erasureCapacityPerItem').value,
    erasureItemsPerSecond: line('unit.erasureItemsPerSecond').value,
  };
}
