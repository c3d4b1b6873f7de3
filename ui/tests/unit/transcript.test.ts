import { describe, expect, it } from 'vitest';
import {
  findMatches,
  MAX_INPUT_CHARS,
  MAX_MATCHES,
  MAX_TURN_CHARS,
  MAX_TURNS,
  parseTranscript,
  pieces,
  roleOf,
  secondsOf,
} from '../../src/lib/transcript';

describe('parseTranscript', () => {
  it('is null without a transcript', () => {
    expect(parseTranscript(null)).toBeNull();
    expect(parseTranscript(undefined)).toBeNull();
    expect(parseTranscript('   \n ')).toBeNull();
    expect(parseTranscript(42)).toBeNull();
  });

  it('reads speaker prefixes one per line', () => {
    const t = parseTranscript('Agent: Hello, how can I help?\nCaller: My order is late.\nAgent: Let me check.');
    expect(t?.kind).toBe('speakers');
    expect(t?.turns.map((x) => [x.role, x.label, x.text])).toEqual([
      ['agent', 'Agent', 'Hello, how can I help?'],
      ['caller', 'Caller', 'My order is late.'],
      ['agent', 'Agent', 'Let me check.'],
    ]);
  });

  it('reads inline prefixes one after another, as the magpipe table sends them', () => {
    const t = parseTranscript(
      'Agent: Thanks for calling, this is the assistant. Caller: Hi, I am calling from +15550000001 about my appointment.',
    );
    expect(t?.turns.map((x) => [x.label, x.text])).toEqual([
      ['Agent', 'Thanks for calling, this is the assistant.'],
      ['Caller', 'Hi, I am calling from +15550000001 about my appointment.'],
    ]);
  });

  it('reads User/Assistant as caller/agent, keeps text before the first speaker, and a multi-line turn', () => {
    const t = parseTranscript('Recorded 2026-11-20\nUSER: hi\nthere\nassistant:hello');
    expect(t?.turns).toEqual([
      { role: 'other', label: null, text: 'Recorded 2026-11-20', start: null },
      { role: 'caller', label: 'User', text: 'hi\nthere', start: null },
      { role: 'agent', label: 'Assistant', text: 'hello', start: null },
    ]);
  });

  it('does not take a word glued to a colon for a speaker', () => {
    expect(parseTranscript('re:agent: no speakers here')?.kind).toBe('text');
  });

  it('reads JSON turns with their times, in each shape of time', () => {
    const t = parseTranscript(
      JSON.stringify([
        { role: 'agent', text: 'Hello', start: 1.5 },
        { role: 'user', text: 'Hi', startSeconds: 4 },
        { speaker: 'MESSAGE_ROLE_AGENT', content: 'How can I help?', time: '0:07.5' },
        { role: 'user', message: 'Order', start_time: '12' },
        { role: 'supervisor', text: 'Listening in' },
        { role: 'agent', text: 'Bye', timestamp: '1:02:03' },
      ]),
    );
    expect(t?.kind).toBe('json');
    expect(t?.turns.map((x) => [x.role, x.label, x.text, x.start])).toEqual([
      ['agent', 'Agent', 'Hello', 1.5],
      ['caller', 'Caller', 'Hi', 4],
      ['agent', 'Agent', 'How can I help?', 7.5],
      ['caller', 'Caller', 'Order', 12],
      ['other', 'Supervisor', 'Listening in', null],
      ['agent', 'Agent', 'Bye', 3723],
    ]);
  });

  it('reads JSON turns stored as a JSON string, and an object holding them', () => {
    const turns = [{ role: 'assistant', text: 'Hello', start: 2 }];
    expect(parseTranscript(JSON.stringify(JSON.stringify(turns)))?.turns).toEqual([
      { role: 'agent', label: 'Agent', text: 'Hello', start: 2 },
    ]);
    expect(parseTranscript(JSON.stringify({ messages: turns }))?.turns[0]?.text).toBe('Hello');
  });

  it('skips turns without text and unreadable times', () => {
    const t = parseTranscript(
      JSON.stringify([null, 3, { role: 'agent' }, { role: 'agent', text: '  ' }, { role: 'user', text: 'ok', start: -4 }]),
    );
    expect(t?.turns).toEqual([{ role: 'caller', label: 'Caller', text: 'ok', start: null }]);
  });

  it('falls back to text on malformed JSON, or JSON that holds no turns', () => {
    const broken = '[{"role": "agent", "text": "Hello"';
    expect(parseTranscript(broken)).toEqual({
      kind: 'text',
      turns: [{ role: 'other', label: null, text: broken, start: null }],
      truncated: false,
    });
    expect(parseTranscript('[1, 2, 3]')?.kind).toBe('text');
    expect(parseTranscript('"[not json"')?.kind).toBe('text');
    expect(parseTranscript('{"a": 1}')?.kind).toBe('text');
  });

  it('splits plain text into paragraphs', () => {
    expect(parseTranscript('First part.\n\n\nSecond part.')?.turns.map((x) => x.text)).toEqual(['First part.', 'Second part.']);
  });

  it('caps the turns, each turn, and the input', () => {
    const many = Array.from({ length: MAX_TURNS + 50 }, (_, i) => `Agent: line ${String(i)}`).join('\n');
    const t = parseTranscript(many);
    expect(t?.turns).toHaveLength(MAX_TURNS);
    expect(t?.truncated).toBe(true);

    const json = parseTranscript(JSON.stringify(Array.from({ length: MAX_TURNS + 1 }, () => ({ role: 'agent', text: 'x' }))));
    expect(json?.turns).toHaveLength(MAX_TURNS);
    expect(json?.truncated).toBe(true);

    const long = parseTranscript(`Caller: ${'a'.repeat(MAX_TURN_CHARS * 3)}`);
    expect(long?.turns[0]?.text.length).toBe(MAX_TURN_CHARS + 1);
    expect(long?.truncated).toBe(true);

    const huge = `[${'x'.repeat(MAX_INPUT_CHARS + 10)}`;
    const cut = parseTranscript(huge);
    expect(cut?.kind).toBe('text');
    expect(cut?.truncated).toBe(true);
    expect(cut?.turns.reduce((n, x) => n + x.text.length, 0)).toBeLessThanOrEqual(MAX_TURN_CHARS + 1);
  });
});

describe('roleOf and secondsOf', () => {
  it('knows the usual names', () => {
    expect(['Agent', 'assistant', 'MESSAGE_ROLE_AGENT', 'bot'].map(roleOf)).toEqual(['agent', 'agent', 'agent', 'agent']);
    expect(['Caller', 'user', 'MESSAGE_ROLE_USER', 'customer'].map(roleOf)).toEqual(['caller', 'caller', 'caller', 'caller']);
    expect(roleOf('tool')).toBe('other');
  });

  it('reads numbers and clock times, nothing else', () => {
    expect([3, '3.25', '1:05', '01:02:03.5'].map(secondsOf)).toEqual([3, 3.25, 65, 3723.5]);
    expect([NaN, Infinity, -1, 'soon', '1:5', null, {}].map(secondsOf)).toEqual([null, null, null, null, null, null, null]);
  });
});

describe('search', () => {
  const turns = parseTranscript('Agent: Your order is on its way.\nCaller: Which ORDER? The order from May.')?.turns ?? [];

  it('finds every match, case-insensitively, in order', () => {
    expect(findMatches(turns, ' order ')).toEqual([
      { turn: 0, start: 5, end: 10 },
      { turn: 1, start: 6, end: 11 },
      { turn: 1, start: 17, end: 22 },
    ]);
    expect(findMatches(turns, '   ')).toEqual([]);
    expect(findMatches(turns, 'refund')).toEqual([]);
  });

  it('caps the matches', () => {
    const t = parseTranscript(`Agent: ${'a'.repeat(MAX_MATCHES * 2)}`)?.turns ?? [];
    expect(findMatches(t, 'a')).toHaveLength(MAX_MATCHES);
  });

  it('cuts a turn into runs and numbered matches', () => {
    const matches = findMatches(turns, 'order');
    expect(pieces(turns[1]?.text ?? '', 1, matches)).toEqual([
      { text: 'Which ', match: null },
      { text: 'ORDER', match: 1 },
      { text: '? The ', match: null },
      { text: 'order', match: 2 },
      { text: ' from May.', match: null },
    ]);
    expect(pieces('no match', 5, matches)).toEqual([{ text: 'no match', match: null }]);
  });
});
