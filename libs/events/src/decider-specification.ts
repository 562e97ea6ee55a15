// given/when/then for deciders: `DeciderSpecification.for(decider).given(events).when(command).then(events)`.
// Throws node:assert errors so it works under any test runner.
import { deepStrictEqual, fail, strictEqual } from 'node:assert/strict';
import { type Decider, DomainError } from './event';

export interface DeciderThen<E> {
  /** The command yields exactly these events, in this order. */
  then(expected: E[]): void;
  /** The command is rejected with a DomainError with this code. */
  thenThrows(code: string): DomainError;
}

export interface DeciderWhen<C, E> {
  when(command: C): DeciderThen<E>;
}

export const DeciderSpecification = {
  for<C, E, S>(decider: Decider<C, E, S>): { given(events: E[]): DeciderWhen<C, E> } {
    return {
      given: (events) => ({
        when: (command) => {
          const run = (): E[] => {
            let state = decider.initialState();
            for (const event of events) state = decider.evolve(state, event);
            return decider.decide(command, state);
          };
          return {
            // biome-ignore lint/suspicious/noThenProperty: given/when/then is the point; this object is never awaited
            then(expected) {
              deepStrictEqual(run(), expected);
            },
            thenThrows(code) {
              let produced: E[];
              try {
                produced = run();
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                strictEqual(error.code, code, `expected DomainError ${code}, got ${error.code}: ${error.message}`);
                return error;
              }
              return fail(`expected DomainError ${code}, but the command produced ${JSON.stringify(produced)}`);
            },
          };
        },
      }),
    };
  },
};
