import {
  type DynamoProxy,
  type Fault,
  INTERNAL_ERROR,
  PROVISIONED_EXCEEDED,
  SERVICE_UNAVAILABLE,
  THROTTLING,
} from '../dynamo-proxy.js';

/**
 * The soak's fault schedule, cycled while the load runs: DynamoDB throttling, DynamoDB 5xx (some after
 * the write landed: ambiguous writes), and hung DynamoDB calls that outlast the callback's answer budget
 * (the handler times out its work and answers "callback error"), each window followed by a quiet one.
 */
export interface FaultWindow {
  readonly name: string;
  readonly ms: number;
  readonly decide: ((operation: string) => Fault | undefined) | undefined;
}

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T;

export const FAULT_WINDOWS: readonly FaultWindow[] = [
  {
    name: 'throttling',
    ms: 5000,
    decide: () =>
      Math.random() < 0.25 ? { kind: 'error', ...pick([THROTTLING, PROVISIONED_EXCEEDED]) } : undefined,
  },
  { name: 'quiet', ms: 3000, decide: undefined },
  {
    name: 'serverErrors',
    ms: 5000,
    decide: () => {
      const roll = Math.random();
      if (roll < 0.15) return { kind: 'error', ...pick([INTERNAL_ERROR, SERVICE_UNAVAILABLE]) };
      if (roll < 0.2) return { kind: 'errorAfterForward', ...INTERNAL_ERROR };
      return undefined;
    },
  },
  { name: 'quiet', ms: 3000, decide: undefined },
  {
    name: 'handlerTimeout',
    ms: 4000,
    decide: () => (Math.random() < 0.1 ? { kind: 'delay', ms: 2600 } : undefined),
  },
  { name: 'quiet', ms: 3000, decide: undefined },
];

export function startFaultCycle(proxy: DynamoProxy, log: (line: string) => void) {
  let running = true;
  let windows = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const window = FAULT_WINDOWS[i % FAULT_WINDOWS.length] as FaultWindow;
      if (window.decide) {
        windows += 1;
        log(`fault window: ${window.name} (${window.ms} ms)`);
      }
      proxy.setDecider(window.decide);
      const until = Date.now() + window.ms;
      while (running && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    }
    proxy.setDecider(undefined);
  })();
  return {
    windows: () => windows,
    async stop() {
      running = false;
      await loop;
    },
  };
}
