import type { ServingTable } from '../serving-table'
import type { AgentMetrics } from './agent-metrics'

/**
 * The request queues of every function (src/pool/admission.ts) as gauges: how many wait now, and how
 * many were turned away (429/503) or dropped unstarted (deadline passed, client gone) since the agent
 * started. Returns a function that unregisters them.
 */
export function registerQueueGauges(metrics: Pick<AgentMetrics, 'registerGauge'>, serving: ServingTable): () => void {
  const unregister = [
    metrics.registerGauge({ name: 'queue_length', help: 'Requests waiting for a free instance now.', read: () => serving.queueLengths() }),
    metrics.registerGauge({ name: 'queue_shed', help: 'Requests turned away (429/503 with Retry-After) or dropped unstarted from the queue since the agent started.', read: () => serving.shedCounts() }),
  ]
  return () => {
    for (const off of unregister) off()
  }
}
