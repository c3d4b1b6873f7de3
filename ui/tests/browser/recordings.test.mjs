// @ts-check
// Issue 5 in headless Chromium: the call detail's recordings through the scripted shell — three
// segments on one timeline with endpoint A failed inline, both failed as one combined message,
// each documented failure code with its own words, loading, error and Refresh.
// Screenshot: ../tests/artifacts/ui-detail-recordings.png.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId } from './fixtures.mjs';
import { screenshot, textOf as text } from './harness.mjs';
import { argsOf, mediaScenario, openDetail, recording, segment, suite } from './media.mjs';

const { open } = suite();

const A_SIGN_IN = {
  state: /** @type {const} */ ('failed'),
  code: 'sign_in_required',
  message: 'get-call-recording: the session was refused twice (401 Invalid JWT)',
};

const threeSegments = () =>
  recording({
    segments: [
      segment('main', 120, { source: 'ultravox', endpoint: 'signedRecordingUrl' }),
      segment('transfer', 30, { id: 'b:transfer:1' }),
      segment('mystery_label', 60, {
        id: 'b:x:2',
        source: 'carrier-pigeon',
        status: 'pending_sync',
        note: 'provider copy, may expire',
      }),
    ],
    callRecording: A_SIGN_IN,
    signedRecordingUrl: { state: 'ok', segments: 3, notes: [] },
  });

describe('recordings in the call detail', () => {
  it('shows three segments on one timeline with endpoint A failed inline', async () => {
    const { page } = await open(mediaScenario({ recordings: { default: { ok: threeSegments() } } }));
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 3);

    assert.deepEqual(await argsOf(page, 'call_recordings'), [{ callId: callId(3) }]);
    const segs = page.getByTestId('segment');
    assert.equal(await segs.count(), 3);
    assert.deepEqual(
      await page.getByTestId('leg').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), e.getAttribute('data-index')])),
      [
        ['main', '0'],
        ['transfer', '1'],
        ['mystery_label', '2'],
      ],
    );
    const third = (await segs.nth(2).textContent()) ?? '';
    assert.match(third, /mystery_label/, 'an unknown label as it is');
    assert.match(third, /carrier-pigeon/, 'an unknown source as it is');
    assert.match(third, /pending_sync/);
    assert.match(third, /provider copy, may expire/);
    assert.match(third, /1:00/);

    // The timeline bar: each segment's share of 210 s.
    const widths = await page
      .getByTestId('recordings-timeline')
      .evaluate((bar) => [...bar.children].map((c) => c.getBoundingClientRect().width / bar.getBoundingClientRect().width));
    assert.equal(widths.length, 3);
    assert.ok(Math.abs((widths[0] ?? 0) - 120 / 210) < 0.02, `main ≈ 57 %: ${widths.join(', ')}`);
    assert.ok(Math.abs((widths[1] ?? 0) - 30 / 210) < 0.02, `transfer ≈ 14 %: ${widths.join(', ')}`);
    assert.equal(await text(page, 'recordings-total'), '3:30 in 3 legs');

    const a = page.getByTestId('endpoint-a');
    assert.equal(await a.getAttribute('data-state'), 'failed');
    assert.equal(await a.getAttribute('data-code'), 'sign_in_required');
    assert.match(await text(page, 'endpoint-a'), /refused twice \(401 Invalid JWT\)/);
    assert.match(await text(page, 'endpoint-a-hint'), /sign in again/);
    const b = page.getByTestId('endpoint-b');
    assert.equal(await b.getAttribute('data-state'), 'ok');
    assert.match(await text(page, 'endpoint-b'), /3 segments/);
    assert.equal(await page.getByTestId('recordings-combined').count(), 0);
    assert.equal(await page.getByTestId('play-call').isEnabled(), true, 'what exists plays');
    await screenshot(page, 'detail-recordings');
  });

  it('shows two copies of one leg as alternates, the gap between legs marked, and lets the reviewer switch', async () => {
    const twoCopies = recording({
      segments: [
        segment('main', 40, { id: 'b:main:aa', status: 'synced' }),
        segment('main', 40, { id: 'a:main:bb', endpoint: 'callRecording', source: 'ultravox', status: null }),
        segment('transfer', 20, { id: 'b:transfer:cc' }),
      ],
      legs: [
        {
          label: 'main',
          start: 0,
          durationSeconds: 40,
          gapBefore: null,
          copies: [
            { recordingId: 'b:main:aa', kind: 'synced' },
            { recordingId: 'a:main:bb', kind: 'provider' },
          ],
        },
        {
          label: 'transfer',
          start: 70,
          durationSeconds: 20,
          gapBefore: 30,
          copies: [{ recordingId: 'b:transfer:cc', kind: 'unknown' }],
        },
      ],
    });
    const { page } = await open(mediaScenario({ recordings: { default: { ok: twoCopies } } }));
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 3);
    await page.getByTestId('leg').first().waitFor();
    assert.equal(await page.getByTestId('leg').count(), 2, 'two copies of main are one leg');
    assert.equal(await page.getByTestId('leg').first().getAttribute('data-copies'), '2');
    // The call is as long as what plays: 40 s + 20 s, not 40 + 40 + 20.
    assert.equal(await text(page, 'recordings-total'), '1:00 in 2 legs');
    const main = page.getByTestId('leg').first().getByTestId('segment');
    assert.deepEqual(
      await main.evaluateAll((els) => els.map((e) => [e.getAttribute('data-kind'), e.getAttribute('data-playing')])),
      [
        ['synced', 'true'],
        ['provider', 'false'],
      ],
    );
    assert.match((await main.first().getByTestId('copy-playing').textContent()) ?? '', /Plays/);
    assert.equal(await main.nth(1).getByTestId('copy-playing').count(), 0, 'one copy of a leg plays');
    assert.equal(await page.getByTestId('timeline-gap').count(), 1);
    assert.match((await page.getByTestId('timeline-gap').getAttribute('aria-label')) ?? '', /0:30 not recorded/);
  });

  it('shows one combined message when both endpoints failed, and nothing to play', async () => {
    const both = recording({
      callRecording: { state: 'failed', code: 'ultravox_key_missing', message: 'No API key for agency' },
      signedRecordingUrl: { state: 'failed', code: 'no_recording', message: 'No recording' },
      combined: 'Neither endpoint has a recording for this call.',
      combinedCode: 'no_recording',
    });
    const { page } = await open(mediaScenario({ recordings: { default: { ok: both } } }));
    await page.getByTestId('call-row').first().waitFor();
    // Call 1 is not downloaded (the mock marks every tenth call with a recording as downloaded).
    await openDetail(page, 1);
    const combined = page.getByTestId('recordings-combined');
    assert.equal(await combined.getAttribute('data-code'), 'no_recording');
    assert.equal(await combined.getAttribute('role'), 'alert');
    assert.match(await text(page, 'recordings-combined'), /Neither endpoint has a recording/);
    assert.match(await text(page, 'recordings-combined'), /No recording was saved/);
    assert.equal(await page.getByTestId('segment').count(), 0);
    assert.equal(await page.getByTestId('recordings-empty').count(), 0, 'the combined message says it all');
    assert.equal(await page.getByTestId('play-call').isDisabled(), true);
    assert.equal(await page.getByTestId('endpoint-a').getAttribute('data-code'), 'ultravox_key_missing');
    assert.match(await text(page, 'endpoint-a-hint'), /agency admin/);
    assert.equal(await page.getByTestId('endpoint-b').getAttribute('data-code'), 'no_recording');
    // A downloaded call plays from its files even when neither endpoint answers (offline).
    await page.keyboard.press('Escape');
    await openDetail(page, 0);
    assert.equal(await page.getByTestId('play-call').isDisabled(), false);
  });

  it('gives each documented failure code its own words (Refresh asks again)', async () => {
    const codes = [
      'sign_in_required',
      'ultravox_key_missing',
      'no_agency',
      'call_not_found',
      'no_recording',
      'ultravox_recording_unavailable',
      'endpoint_not_deployed',
      'server_error',
      'bad_response',
      'unsafe_url',
      'api_key_refused',
      'missing_call_id',
    ];
    const { page } = await open(mediaScenario({ recordings: { default: { ok: threeSegments() } } }));
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 1);
    /** @type {string[]} */
    const hints = [];
    for (const [n, code] of codes.entries()) {
      await page.evaluate(
        ([c, m]) => {
          const mock = window.__CALLREC_MOCK__;
          if (!mock) throw new Error('no mock');
          const answer = {
            callId: '',
            segments: [],
            callRecording: { state: 'ok', segments: 1, notes: [] },
            signedRecordingUrl: { state: 'failed', code: c, message: m },
            combined: null,
            combinedCode: null,
          };
          mock.scenario.media = { recordings: { default: { ok: /** @type {any} */ (answer) } } };
        },
        [code, `server said ${code}`],
      );
      await page.getByTestId('recordings-refresh').click();
      await page.waitForFunction(
        (c) => document.querySelector('[data-testid="endpoint-b"]')?.getAttribute('data-code') === c,
        code,
      );
      assert.equal((await argsOf(page, 'call_recordings')).length, n + 2, 'one request per Refresh');
      assert.match(await text(page, 'endpoint-b'), new RegExp(`server said ${code}`));
      hints.push(await text(page, 'endpoint-b-hint'));
    }
    assert.equal(new Set(hints).size, codes.length, `each code has its own hint:\n${hints.join('\n')}`);
  });

  it('shows loading, then an error with its code; Refresh recovers', async () => {
    const { page } = await open(
      mediaScenario({
        recordings: { default: { err: { code: 'unreachable', message: 'cannot reach 127.0.0.1:54321' } } },
      }),
    );
    await page.getByTestId('call-row').first().waitFor();
    await page.evaluate(() => window.__CALLREC_MOCK__?.hold());
    await page.locator(`[data-testid="call-row"][data-id="${callId(2)}"]`).dblclick();
    await page.getByTestId('recordings-loading').waitFor();
    assert.equal(await page.getByTestId('recordings-refresh').isDisabled(), true);
    await page.evaluate(() => window.__CALLREC_MOCK__?.release());
    const error = page.getByTestId('recordings-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'unreachable');
    assert.match(await text(page, 'recordings-error'), /cannot reach 127\.0\.0\.1:54321/);
    assert.match(await text(page, 'recordings-error'), /check the network connection/);

    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.media = {};
    });
    await page.getByTestId('recordings-refresh').click();
    await page.getByTestId('segment').first().waitFor();
    assert.equal(await page.getByTestId('recordings-error').count(), 0);
    // Four recordings, main's two copies one leg: three legs.
    assert.equal(await page.getByTestId('segment').count(), 4);
    assert.equal(await page.getByTestId('leg').count(), 3);
  });
});
