import { collectDefaultMetrics, Registry } from 'prom-client';

// Process metrics (CPU, memory, event loop lag, GC) describe the process, not an app: collected once per
// process into their own registry, whatever number of apps it runs (tests start many). Their collectors
// (event-loop monitor, GC observer) are never stopped, so they are created once only.
let registry: Registry | null = null;

export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
