// Who is silent when, in the call's pane: the agent's response time at each turn, measured on
// demand in Rust (`analyze_call`), the worst marked, each turn playable from just before the
// customer's last word; a failure says why with its code.

/** @import { MediaScenario } from '../../src/dev/mock-media' */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId } from './fixtures.mjs';
import { textOf as text } from './harness.mjs';
import { argsOf, mediaScenario, openDetail, suite, waitCount } from './media.mjs';

const { open } = suite();

describe('who is silent when', () => {
  it("measures the call's turns and plays the worst from just before it", async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 2);
    const panel = page.getByTestId('call-turns');
    assert.equal(await panel.getAttribute('data-state'), 'idle');
    await page.getByTestId('turns-measure').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="call-turns"]')?.getAttribute('data-state') === 'done');
    assert.deepEqual(await argsOf(page, 'analyze_call'), [{ callId: callId(2) }]);
    assert.equal(await text(page, 'turns-summary'), 'Agent response: median 0.90 s, worst 2.40 s over 3 turns');
    assert.equal(await page.getByTestId('turn').count(), 3);
    const worst = page.locator('[data-testid="turn"].worst');
    assert.equal(await worst.count(), 1);
    await worst.getByTestId('turn-play').click();
    await waitCount(page, 'play_call', 1);
    const [played] = await argsOf(page, 'play_call');
    assert.deepEqual(played, { callId: callId(2), from: 13.5 });
    // The waits are marked on the playing call's scrubber, the slow one apart.
    await page.getByTestId('player-latency-mark').first().waitFor();
    assert.equal(await page.getByTestId('player-latency-mark').count(), 3);
    assert.equal(await page.locator('[data-testid="player-latency-mark"].slow').count(), 1);
  });

  it('says why it could not measure', async () => {
    /** @type {MediaScenario} */
    const media = { analysis: { err: { code: 'unsupported_audio', message: 'the file declares 1 Hz' } } };
    const { page } = await open(mediaScenario(media));
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 1);
    await page.getByTestId('turns-measure').click();
    const error = page.getByTestId('turns-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'unsupported_audio');
  });
});
