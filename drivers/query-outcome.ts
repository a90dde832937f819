import type { DriverEvent, QueryAnswer } from './driver.ts';
import type { AnalyzerQuery } from './result-model.ts';

/** What a query's answer means for the analyzer, whatever the protocol. */

/** Which kind of reply an answer makes. */
export function replyKind(answer: QueryAnswer): 'order' | 'no-order' | 'error' {
  return answer.kind === 'error' ? 'error' : answer.orders.some((o) => o.tests.length > 0) ? 'order' : 'no-order';
}

/** The alert staff see when a query had to be answered "error": the tube runs nothing until someone acts. */
export function queryFailedAlert(query: AnalyzerQuery, reason: string): DriverEvent {
  const tubes = query.all ? 'all pending work orders' : query.sampleIds.join(', ') || '(no id)';
  return { type: 'device-error', kind: 'query-failed', message: `Host query for ${tubes} answered with an error (the tube runs nothing): ${reason}` };
}
