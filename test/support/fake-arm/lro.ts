import { randomUUID } from 'node:crypto';
import type { JsonObject } from './json.js';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface OperationFailure {
  readonly code: string;
  readonly message: string;
}

export interface Operation {
  readonly id: string;
  readonly startTime: string;
  status: OperationStatus;
  endTime?: string;
  /** How many more polls answer InProgress before the operation finishes. */
  pollsLeft: number;
  readonly failure: OperationFailure | undefined;
  /** Applies the outcome to the store (provisioning state, deletions); runs exactly once. */
  readonly finish: () => void;
}

/** Finished operations are kept for late polls; the cap keeps a long benchmark from growing without bound. */
const MAX_REMEMBERED = 10_000;

/**
 * Long-running operations finish after a number of polls, not after wall-clock time: tests stay
 * deterministic and fast, and a poller that never polls leaves the operation visibly in progress (a
 * crash test can then `settleAll()` to model the time Azure would have kept working).
 */
export class OperationTracker {
  readonly #operations = new Map<string, Operation>();

  constructor(public pollsBeforeDone: number) {}

  start(finish: () => void, failure?: OperationFailure): Operation {
    const operation: Operation = {
      id: randomUUID(),
      startTime: new Date().toISOString(),
      status: 'InProgress',
      pollsLeft: this.pollsBeforeDone,
      failure,
      finish,
    };
    this.#operations.set(operation.id, operation);
    if (this.#operations.size > MAX_REMEMBERED) {
      const oldest = this.#operations.keys().next();
      if (oldest.done !== true) this.#operations.delete(oldest.value);
    }
    if (operation.pollsLeft <= 0) this.#complete(operation);
    return operation;
  }

  /** One poll of the operation: either one more InProgress answer, or the end of the operation. */
  poll(id: string): Operation | undefined {
    const operation = this.#operations.get(id);
    if (operation?.status !== 'InProgress') return operation;
    if (operation.pollsLeft > 0) {
      operation.pollsLeft -= 1;
    } else {
      this.#complete(operation);
    }
    return operation;
  }

  /** Finishes every operation still in progress; returns how many there were. */
  settleAll(): number {
    const pending = [...this.#operations.values()].filter((operation) => operation.status === 'InProgress');
    for (const operation of pending) this.#complete(operation);
    return pending.length;
  }

  pending(): number {
    return [...this.#operations.values()].filter((operation) => operation.status === 'InProgress').length;
  }

  #complete(operation: Operation): void {
    operation.status = operation.failure === undefined ? 'Succeeded' : 'Failed';
    operation.endTime = new Date().toISOString();
    operation.finish();
  }
}

/** The body of an `Azure-AsyncOperation` poll, as Compute and Network return it. */
export function operationStatusBody(operation: Operation): JsonObject {
  const body: JsonObject = { name: operation.id, status: operation.status, startTime: operation.startTime };
  if (operation.endTime !== undefined) body.endTime = operation.endTime;
  if (operation.failure !== undefined) {
    body.error = { code: operation.failure.code, message: operation.failure.message };
  }
  return body;
}
