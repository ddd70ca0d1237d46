import pLimit from 'p-limit';
import type { UnitResult } from './report.js';
import { failedUnit, type UnitOutcome } from './unit-sweep.js';
import type { SweepUnit } from './units.js';

/**
 * Sweeps units side by side, at most `concurrency` at once (each keeps to its own account-region's quota). A unit that
 * throws after the SDK's retries is a failed unit with its error: one account never loses the others' results.
 */
export async function runUnits(
  units: readonly SweepUnit[],
  concurrency: number,
  sweep: (unit: SweepUnit) => Promise<UnitOutcome>,
  onUnit?: (outcome: UnitOutcome) => void | Promise<void>,
): Promise<UnitResult[]> {
  const limit = pLimit(Math.max(1, concurrency));
  return Promise.all(
    units.map((unit) =>
      limit(async () => {
        let outcome: UnitOutcome;
        try {
          outcome = await sweep(unit);
        } catch (error) {
          outcome = { result: failedUnit(unit, `${(error as Error).name}: ${(error as Error).message}`.slice(0, 400)) };
        }
        await onUnit?.(outcome);
        return outcome.result;
      }),
    ),
  );
}
