// waitFor: the answer, a named time-out, and a probe that never settles named as such.
import { expect, it } from 'vitest';
import { waitFor } from '../wait.js';

it('resolves with the first truthy answer', async () => {
  let n = 0;
  await expect(waitFor('the third probe', async () => ++n >= 3 && n, { pollMs: 1 })).resolves.toBe(3);
});

it('times out naming what it waited for, with the detail', async () => {
  await expect(waitFor('nothing', async () => false, { timeoutMs: 50, pollMs: 5, detail: () => 'child said x' })).rejects.toThrow(/^timed out waiting for nothing:\nchild said x$/);
});

it('a probe that throws is asked again only with retryErrors', async () => {
  let n = 0;
  const flaky = async () => {
    if (++n < 3) throw new Error('connection terminated');
    return 'ok';
  };
  await expect(waitFor('a flaky probe', flaky, { pollMs: 1, retryErrors: true })).resolves.toBe('ok');
  await expect(waitFor('a failing probe', async () => Promise.reject(new Error('boom')), { pollMs: 1 })).rejects.toThrow('boom');
});

it('a probe that never settles fails after the deadline, named — retryErrors or not', async () => {
  const never = () => new Promise<boolean>(() => {});
  for (const retryErrors of [false, true]) {
    await expect(waitFor('a hung statement', never, { timeoutMs: 50, retryErrors, detail: () => 'stderr: …' })).rejects.toThrow(
      /^a probe did not answer by the deadline waiting for a hung statement:\nstderr: …$/,
    );
  }
});
