/**
 * An enrichment thread (see enrichPool.ts): each message of `market.raw` it
 * is handed is processed exactly as on the main loop (processRaw in
 * processor.ts) and the outcome posted back with the message's id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { processRaw, type ProcessOptions, type RawOutcome } from './processor.ts';

export type EnrichRequest = { id: number; value: unknown };
export type EnrichResponse = { id: number; ok: true; outcome: RawOutcome } | { id: number; ok: false; error: string };

const options = workerData as ProcessOptions;
const port = parentPort!;

port.on('message', ({ id, value }: EnrichRequest) => {
  let response: EnrichResponse;
  try {
    response = { id, ok: true, outcome: processRaw(value, options) };
  } catch (error) {
    response = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
