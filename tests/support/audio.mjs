// The app's sound, captured: ALSA's `file` plugin as the default device writes what the app
// plays to a WAV file (not paced: the device takes audio as fast as it comes), and `toneOf`
// finds the tone in it.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes an ALSA configuration under `dir` whose default device records to `capture.wav`.
 * @param {string} dir
 * @returns {Promise<{ capture: string, env: Record<string, string> }>}
 */
export async function alsaCapture(dir) {
  const capture = join(dir, 'capture.wav');
  const conf = join(dir, 'asound.conf');
  await writeFile(
    conf,
    `pcm.!default { type plug; slave { pcm "capfile"; format S16_LE; rate 48000; channels 2 } }\n` +
      `pcm.capfile { type file; slave.pcm "null"; file "${capture}"; format "wav" }\n`,
  );
  return { capture, env: { ALSA_CONFIG_PATH: `/usr/share/alsa/alsa.conf:${conf}` } };
}

/**
 * The tone in a 16-bit WAV's left channel: the median frequency (by zero crossings) of the
 * 50 ms windows where sound is playing, so fades and pauses between the fixture's tone bursts
 * do not count. Also how many seconds of sound there were.
 */
export function toneOf(wav) {
  const data = wav.indexOf(Buffer.from('data'));
  assert.ok(data > 0, 'the capture is a WAV file');
  const rate = wav.readUInt32LE(24);
  const channels = wav.readUInt16LE(22);
  const frames = Math.floor((wav.length - data - 8) / (2 * channels));
  const window = Math.floor(rate / 20);
  const found = [];
  for (let start = 0; start + window <= frames; start += window) {
    let crossings = 0;
    let first = -1;
    let last = -1;
    let energy = 0;
    let previous = 0;
    for (let i = start; i < start + window; i++) {
      const sample = wav.readInt16LE(data + 8 + i * 2 * channels);
      energy += sample * sample;
      if (i > start && ((previous < 0 && sample >= 0) || (previous >= 0 && sample < 0))) {
        crossings++;
        if (first < 0) first = i;
        last = i;
      }
      previous = sample;
    }
    // Half a period between neighbouring crossings: measured from the first to the last.
    if (Math.sqrt(energy / window) > 1000 && crossings > 2) found.push((crossings - 1) / 2 / ((last - first) / rate));
  }
  found.sort((a, b) => a - b);
  return { hz: found[Math.floor(found.length / 2)] ?? 0, loudSeconds: found.length / 20 };
}

