// Waiting for a Lambda function to accept the next change. After CreateFunction the function
// is Pending, and after an update LastUpdateStatus is InProgress for a while; Lambda refuses
// another update meanwhile (ResourceConflictException), so each restore step waits first.
import { setTimeout as sleep } from 'node:timers/promises';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { SnapError } from '../../../errors.js';

/** How long a restore waits for a function to leave Pending / InProgress before giving up. */
const READY_TIMEOUT_MS = 5 * 60_000;

/** Waits until the function accepts another change (not Pending, no update in progress). */
export async function waitUntilReady(client: LambdaClient, name: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }), { abortSignal: signal });
    if (c.State !== 'Pending' && c.LastUpdateStatus !== 'InProgress') {
      if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') throw new SnapError('COLLECTOR_FAILED', `Lambda function ${name} is in a failed state (${c.StateReasonCode ?? c.LastUpdateStatusReasonCode ?? 'no reason given'})`, { function: name });
      return;
    }
    if (Date.now() > deadline) throw new SnapError('COLLECTOR_FAILED', `Lambda function ${name} did not finish updating within ${READY_TIMEOUT_MS / 1000}s`, { function: name });
    await sleep(Math.min(1000 * (attempt + 1), 5000), undefined, { signal });
  }
}
