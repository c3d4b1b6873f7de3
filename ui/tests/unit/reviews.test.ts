import { describe, expect, it } from 'vitest';
import {
  formatAt,
  formatSpan,
  hasReviewData,
  MAX_AT_MS,
  noteLabel,
  noteMarks,
  noteSpan,
  parseStatus,
  percent,
  playLabel,
  reviewerName,
  reviewFilterWords,
  reviewHint,
  score,
  scoreText,
  sortNotes,
  statusLabel,
  statusTone,
  syncLine,
  toMs,
  withAnswer,
  type Note,
  type Scorecard,
} from '../../src/lib/reviews';

const card: Scorecard = {
  checks: [
    { id: 'greet', label: 'Greeted', weight: 1 },
    { id: 'verify', label: 'Verified', weight: 2 },
    { id: 'close', label: 'Closed', weight: 1 },
  ],
};

function note(id: string, atMs: number, over: Partial<Note> = {}): Note {
  return {
    id,
    callId: 'c1',
    reviewerId: null,
    kind: 'note',
    atMs,
    endMs: null,
    body: 'text',
    createdAt: '2026-12-07T10:00:00Z',
    mine: true,
    synced: false,
    ...over,
  };
}

describe('score', () => {
  it('weighs passes over what was scored and leaves out N/A, as model.rs does', () => {
    expect(score(card, {})).toBeNull();
    expect(score(card, { greet: { result: 'pass' }, verify: { result: 'fail' }, close: { result: 'na' } })).toBe(33.33);
    expect(score(card, { greet: { result: 'pass' }, verify: { result: 'pass' } })).toBe(100);
    expect(score(card, { close: { result: 'na' } })).toBeNull();
    expect(score(card, { verify: { result: 'pass' }, close: { result: 'fail' } })).toBe(66.67);
  });

  it('ignores answers to checks no longer on the card and checks without a usable weight', () => {
    expect(score(card, { greet: { result: 'pass' }, gone: { result: 'fail' } })).toBe(100);
    const odd: Scorecard = {
      checks: [
        { id: 'a', label: 'A', weight: 0 },
        { id: 'b', label: 'B', weight: -1 },
        { id: 'c', label: 'C', weight: Number.NaN },
        { id: 'd', label: 'D', weight: 1 },
      ],
    };
    expect(score(odd, { a: { result: 'fail' }, b: { result: 'fail' }, c: { result: 'fail' }, d: { result: 'pass' } })).toBe(100);
  });

  it('reads as "Score 75 %" or "Not scored"', () => {
    expect(scoreText(75)).toBe('Score 75 %');
    expect(scoreText(33.33)).toBe('Score 33 %');
    expect(scoreText(66.67)).toBe('Score 67 %');
    expect(scoreText(null)).toBe('Not scored');
    expect(scoreText(Number.NaN)).toBe('Not scored');
    expect(percent(0)).toBe('0 %');
    expect(percent(undefined)).toBeNull();
  });
});

describe('withAnswer', () => {
  it('answers, replaces and clears one check, leaving the others', () => {
    const one = withAnswer({}, 'greet', { result: 'pass' });
    expect(one).toEqual({ greet: { result: 'pass' } });
    const two = withAnswer(one, 'verify', { result: 'fail', comment: 'no DOB' });
    expect(withAnswer(two, 'greet', { result: 'na' })).toEqual({ greet: { result: 'na' }, verify: { result: 'fail', comment: 'no DOB' } });
    expect(withAnswer(two, 'greet', null)).toEqual({ verify: { result: 'fail', comment: 'no DOB' } });
    expect(one).toEqual({ greet: { result: 'pass' } });
  });
});

describe("notes' times", () => {
  it('shows a moment as m:ss or h:mm:ss, a span with a dash', () => {
    expect(formatAt(0)).toBe('0:00');
    expect(formatAt(83_900)).toBe('1:23');
    expect(formatAt(3_725_000)).toBe('1:02:05');
    expect(formatSpan(83_000, null)).toBe('1:23');
    expect(formatSpan(83_000, 105_000)).toBe('1:23–1:45');
    expect(formatSpan(83_000, 83_000)).toBe('1:23');
    expect(formatSpan(3_599_000, 3_601_000)).toBe('59:59–1:00:01');
  });

  it('names a note, a bookmark and a span for people, the text on one line and clipped', () => {
    expect(noteLabel({ kind: 'note', atMs: 83_000, endMs: null, body: 'Asked for\n the  manager' })).toBe(
      'Note at 1:23: Asked for the manager',
    );
    expect(noteLabel({ kind: 'bookmark', atMs: 5_000, endMs: null, body: '' })).toBe('Bookmark at 0:05');
    expect(noteLabel({ kind: 'note', atMs: 83_000, endMs: 105_000, body: 'hold' })).toBe('Note from 1:23 to 1:45: hold');
    const long = noteLabel({ kind: 'note', atMs: 0, endMs: null, body: 'x'.repeat(500) });
    expect(long.length).toBeLessThan(100);
    expect(long.endsWith('…')).toBe(true);
  });

  it('names the button that plays a note with its time as shown first', () => {
    expect(playLabel({ kind: 'note', atMs: 12_500, endMs: 21_000, body: 'Long hold' })).toBe('Play 0:12–0:21 — Note: Long hold');
    expect(playLabel({ kind: 'bookmark', atMs: 30_000, endMs: null, body: '' })).toBe('Play 0:30 — Bookmark');
  });

  it('sorts by start, then end, then when written', () => {
    const sorted = sortNotes([
      note('d', 9_000),
      note('c', 2_000, { endMs: 8_000 }),
      note('b', 2_000),
      note('a', 2_000, { createdAt: '2026-12-07T09:00:00Z' }),
    ]);
    expect(sorted.map((n) => n.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it("takes the player's seconds as whole milliseconds within a day", () => {
    expect(toMs(83.4567)).toBe(83_457);
    expect(toMs(-1)).toBe(0);
    expect(toMs(Number.NaN)).toBe(0);
    expect(toMs(10 * 24 * 3600)).toBe(MAX_AT_MS);
  });

  it('makes a moment, or a span from the marked start either way round', () => {
    expect(noteSpan(null, 12_000)).toEqual({ atMs: 12_000, endMs: null });
    expect(noteSpan(5_000, 12_000)).toEqual({ atMs: 5_000, endMs: 12_000 });
    expect(noteSpan(20_000, 12_000)).toEqual({ atMs: 12_000, endMs: 20_000 });
    expect(noteSpan(12_000, 12_000)).toEqual({ atMs: 12_000, endMs: null });
  });
});

describe('noteMarks', () => {
  it('places each note on the scrubber by time, a span as a band, with its label', () => {
    const marks = noteMarks(
      [note('b', 30_000, { kind: 'bookmark', body: '' }), note('a', 10_000, { endMs: 20_000, body: 'hold', mine: false })],
      40,
    );
    expect(marks).toEqual([
      { id: 'a', kind: 'note', atMs: 10_000, left: 25, width: 25, mine: false, label: 'Note from 0:10 to 0:20: hold' },
      { id: 'b', kind: 'bookmark', atMs: 30_000, left: 75, width: null, mine: true, label: 'Bookmark at 0:30' },
    ]);
  });

  it('clamps to the call and shows nothing before its length is known', () => {
    const [clamped] = noteMarks([note('a', 50_000, { endMs: 90_000 })], 60);
    expect(clamped?.left).toBeCloseTo(83.333, 3);
    expect(clamped?.width).toBeCloseTo(16.667, 3);
    expect(noteMarks([note('a', 1_000)], 0)).toEqual([]);
  });
});

describe('the sync line', () => {
  it('says where the reviews stand for each state', () => {
    expect(syncLine({ state: 'localOnly', migration: 'supabase/migrations/x.sql', pending: 0 })).toEqual({
      tone: 'warn',
      text: "Reviews stay on this computer — apply supabase/migrations/x.sql to the agency's project to share them",
      migration: 'supabase/migrations/x.sql',
    });
    const shared = syncLine({ state: 'shared', at: '2026-12-07T14:05:00Z', pending: 0 });
    expect(shared.tone).toBe('ok');
    expect(shared.text).toMatch(/^Shared with the agency — last sync \d{2} Dec, \d{2}:\d{2}$/);
    expect(syncLine({ state: 'shared', at: 'garbage', pending: 2 }).text).toBe(
      'Shared with the agency — last sync garbage, 2 changes waiting',
    );
    expect(syncLine({ state: 'offline', pending: 1 })).toMatchObject({ tone: 'warn', text: 'Offline — 1 change waiting to be shared' });
    expect(syncLine({ state: 'offline', pending: 0 }).text).toBe('Offline — nothing waiting to be shared');
    expect(syncLine({ state: 'refused', pending: 0, refused: 2, reason: 'row-level security' })).toMatchObject({
      tone: 'error',
      text: 'The project refused 2 changes: row-level security',
    });
    expect(syncLine({ state: 'notYet', pending: 3 }).text).toBe('Not shared yet — 3 changes waiting');
  });
});

describe('words', () => {
  it('names statuses, filters and reviewers', () => {
    expect(statusLabel('in_review')).toBe('In review');
    expect(statusLabel('odd')).toBe('odd');
    expect([statusTone('unreviewed'), statusTone('in_review'), statusTone('reviewed'), statusTone('flagged')]).toEqual([
      'neutral',
      'info',
      'ok',
      'error',
    ]);
    expect(parseStatus('flagged')).toBe('flagged');
    expect(parseStatus('done')).toBeNull();
    expect(reviewFilterWords('')).toBeNull();
    expect(reviewFilterWords('unreviewed')).toBe('not reviewed yet');
    expect(reviewFilterWords('in_review')).toBe('in review');
    expect(reviewerName({ mine: true, reviewerEmail: 'a@b' })).toBe('You');
    expect(reviewerName({ mine: false, reviewerEmail: null })).toBe('Another reviewer');
    expect(reviewerName({ mine: false, reviewerEmail: 'b@agency.example' })).toBe('b@agency.example');
  });

  it('has a hint for each review error code, none for others', () => {
    for (const code of ['note_too_long', 'bad_note_time', 'unknown_check', 'reviews_unavailable']) {
      expect(reviewHint(code), code).toBeTruthy();
    }
    expect(reviewHint('server_error')).toBeNull();
    expect(reviewHint(null)).toBeNull();
  });

  it('shows review columns only when a row has a status or a score', () => {
    expect(hasReviewData([{ reviewStatus: 'unreviewed', score: null }])).toBe(false);
    expect(hasReviewData([{ reviewStatus: 'unreviewed', score: null }, { reviewStatus: 'flagged', score: null }])).toBe(true);
    expect(hasReviewData([{ reviewStatus: 'unreviewed', score: 50 }])).toBe(true);
    expect(hasReviewData([{}])).toBe(false);
  });
});
