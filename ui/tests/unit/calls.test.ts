import { describe, expect, it } from 'vitest';
import {
  appendPage,
  callTitle,
  DEFAULT_FILTERS,
  extraColumns,
  fieldCell,
  offeredSorts,
  offersFilter,
  shownColumns,
  type CallSchema,
  type Sort,
  formatDate,
  formatDuration,
  formatTotal,
  formatValue,
  isDay,
  isUnfiltered,
  answeredHere,
  nextDay,
  sameQuery,
  scrollToRow,
  statusOptions,
  toQuery,
  visibleRange,
  type CallFilters,
  type CallRow,
} from '../../src/lib/calls';
import { row } from './call-fixtures';
import { FULL_SCHEMA, MINIMAL_SCHEMA } from '../../src/dev/mock-calls';

const filters = (over: Partial<CallFilters> = {}): CallFilters => ({ ...DEFAULT_FILTERS, ...over });

describe('toQuery', () => {
  it('maps the empty filter bar to a query with every filter null', () => {
    expect(toQuery(filters(), 200)).toEqual({
      sort: 'dateDesc',
      since: null,
      until: null,
      hasRecording: null,
      direction: null,
      status: null,
      search: null,
      limit: 200,
      downloaded: null,
      review: null,
    });
  });

  it('maps every filter, with "until" made exclusive (the day after)', () => {
    const q = toQuery(
      filters({
        since: '2026-11-01',
        until: '2026-11-30',
        hasRecording: 'false',
        direction: 'outbound',
        status: 'missed',
        search: '  +1555  ',
        sort: 'durationAsc',
      }),
      1000,
    );
    expect(q).toEqual({
      sort: 'durationAsc',
      since: '2026-11-01',
      until: '2026-12-01',
      hasRecording: false,
      direction: 'outbound',
      status: 'missed',
      search: '+1555',
      limit: 1000,
      downloaded: null,
      review: null,
    });
    expect(toQuery(filters({ hasRecording: 'true' }), 1).hasRecording).toBe(true);
    expect(toQuery(filters({ review: 'unreviewed' }), 1).review).toBe('unreviewed');
    expect(toQuery(filters({ review: 'in_review' }), 1).review).toBe('in_review');
  });

  it('leaves out dates that are not real days instead of sending them', () => {
    expect(toQuery(filters({ since: '2026-02-30', until: '2026-13' }), 1)).toMatchObject({ since: null, until: null });
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2024-02-29')).toBe(true);
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
  });

  it('treats filters producing the same query as the same (no new request)', () => {
    expect(sameQuery(filters({ search: 'x ' }), filters({ search: ' x' }))).toBe(true);
    expect(sameQuery(filters({ since: '2026-1' }), filters())).toBe(true);
    expect(sameQuery(filters({ sort: 'dateAsc' }), filters())).toBe(false);
    expect(isUnfiltered(filters({ sort: 'durationDesc', search: '  ' }))).toBe(true);
    expect(isUnfiltered(filters({ status: 'missed' }))).toBe(false);
    expect(isUnfiltered(filters({ review: 'unreviewed' }))).toBe(false);
    expect(sameQuery(filters({ review: 'flagged' }), filters())).toBe(false);
  });

  it('knows which filters only this computer can answer (not "offline" when it does)', () => {
    expect(answeredHere(filters())).toBe(false);
    expect(answeredHere(filters({ downloaded: 'true' }))).toBe(true);
    expect(answeredHere(filters({ downloaded: 'false' }))).toBe(false);
    expect(answeredHere(filters({ review: 'flagged' }))).toBe(true);
    expect(answeredHere(filters({ review: 'unreviewed' }))).toBe(false);
  });
});

describe('appendPage', () => {
  it('appends new rows and drops ids already shown', () => {
    const seen = new Set<string>();
    const first = appendPage([], seen, [row('a'), row('b'), row('b')]);
    expect(first.map((r) => r.id)).toEqual(['a', 'b']);
    const second = appendPage(first, seen, [row('b'), row('c')]);
    expect(second.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(first.map((r) => r.id)).toEqual(['a', 'b']);
    expect(appendPage(second, seen, [row('a')])).toBe(second);
  });
});

describe('windowing', () => {
  it('renders the rows in view plus the overscan, never more than exist', () => {
    expect(visibleRange(0, 360, 36, 100_000, 10)).toEqual({ start: 0, end: 21 });
    expect(visibleRange(36 * 50_000, 360, 36, 100_000, 10)).toEqual({ start: 49_990, end: 50_021 });
    expect(visibleRange(36 * 99_990, 360, 36, 100_000, 10)).toEqual({ start: 99_980, end: 100_000 });
    expect(visibleRange(0, 360, 36, 0)).toEqual({ start: 0, end: 0 });
    // Scrolled past the end (rows just removed by a new query): still a window at the end.
    expect(visibleRange(36 * 500, 360, 36, 5, 10)).toEqual({ start: 0, end: 5 });
  });

  it('keeps the window small at any position of 100,000 rows', () => {
    for (const top of [0, 1234, 36 * 77_777, 36 * 100_000]) {
      const { start, end } = visibleRange(top, 700, 36, 100_000);
      expect(end - start).toBeLessThanOrEqual(45);
    }
  });

  it('scrolls only as far as needed to show a row', () => {
    expect(scrollToRow(5, 0, 360, 36)).toBe(0);
    expect(scrollToRow(10, 0, 360, 36)).toBe(36);
    expect(scrollToRow(2, 180, 360, 36)).toBe(72);
  });
});

describe('odd rows', () => {
  it('finds the extra columns, skipping known ones kept as unreadable raw values', () => {
    const rows = [
      row('a', { extra: { campaign: 'x', duration_seconds: 'abc' }, invalid: ['duration_seconds'] }),
      row('b', { extra: { sentiment: 0.4, campaign: 'y' } }),
      { ...row('c'), extra: null } as unknown as CallRow,
    ];
    expect(extraColumns(rows)).toEqual(['campaign', 'sentiment']);
    expect(extraColumns(rows, 1)).toEqual(['campaign']);
  });

  it('formats missing, null and unreadable values as "—"', () => {
    expect(formatDate(null)).toBe('—');
    expect(formatDate('not a date')).toBe('—');
    expect(formatDate('2026-11-20T10:05:00Z')).toMatch(/2026/);
    expect(callTitle(row('c1'))).toBe(`${formatDate('2026-11-20T10:00:00Z')} · +15550001`);
    expect(callTitle(row('c2', { fromNumber: null }))).toMatch(/ · —$/);
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-3)).toBe('—');
    expect(formatDuration(61)).toBe('1:01');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue('x'.repeat(10), 4)).toBe('xxxx…');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(formatValue(cyclic)).toBe('—');
  });

  it('counts calls in words', () => {
    expect(formatTotal(12_345)).toBe('12,345 calls');
    expect(formatTotal(1)).toBe('1 call');
    expect(formatTotal(0)).toBe('0 calls');
  });

  it('offers the statuses seen next to the common ones', () => {
    const rows = [row('a', { status: 'transferred' }), row('b', { status: null })];
    expect(statusOptions(rows, ['completed'])).toEqual(['completed', 'transferred']);
  });
});

describe('the list follows the project table', () => {
  it('shows only the fields the table has, and every field before the first page', () => {
    expect(shownColumns(null).map((c) => c.field)).toEqual(['direction', 'from', 'to', 'agent', 'duration', 'status']);
    expect(shownColumns(MINIMAL_SCHEMA).map((c) => c.field)).toEqual(['duration']);
    expect(shownColumns(FULL_SCHEMA).map((c) => c.field)).not.toContain('sentiment');
  });

  it('offers only the sorts and filters the table allows', () => {
    const textDuration = {
      ...MINIMAL_SCHEMA,
      offers: { ...MINIMAL_SCHEMA.offers, sorts: ['dateDesc', 'dateAsc'] as Sort[] },
    };
    expect(offeredSorts(textDuration).map((s) => s.value)).toEqual(['dateDesc', 'dateAsc']);
    expect(offeredSorts(null)).toHaveLength(4);
    expect(offersFilter(MINIMAL_SCHEMA, 'direction')).toBe(false);
    expect(offersFilter(FULL_SCHEMA, 'status')).toBe(true);
    expect(offersFilter(null, 'status')).toBe(true);
  });

  it('reads a field from its column and shows a wrong-typed value raw', () => {
    const ok = row('a', { durationSeconds: 75 });
    expect(fieldCell(ok, MINIMAL_SCHEMA, 'duration')).toEqual({ text: '1:15', unreadable: false });
    const odd = row('b', { durationSeconds: null, invalid: ['duration'], extra: { duration: '00:01:15' } });
    expect(fieldCell(odd, MINIMAL_SCHEMA, 'duration')).toEqual({ text: '00:01:15', unreadable: true });
    // The raw value belongs to the mapped column: not an extra column of its own.
    expect(extraColumns([odd], 4, MINIMAL_SCHEMA)).toEqual([]);
    const none = row('c', { durationSeconds: null });
    expect(fieldCell(none, MINIMAL_SCHEMA, 'duration').text).toBe('—');
  });

  it('lists the table own unmapped columns as extra columns', () => {
    const magpipe: CallSchema = {
      ...MINIMAL_SCHEMA,
      columns: [
        ...MINIMAL_SCHEMA.columns,
        { name: 'service_number', kind: 'text', field: null },
        { name: 'sentiment', kind: 'text', field: 'sentiment' },
      ],
    };
    expect(extraColumns([], 4, magpipe)).toEqual(['service_number']);
    expect(shownColumns(magpipe).map((c) => c.field)).toEqual(['duration', 'sentiment']);
  });
});
