import { describe, expect, it } from 'vitest';
import { actionFor, chordLabel, helpSections, KEYMAP, type KeyPress } from '../../src/lib/keys';

const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  shiftKey: false,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...over,
});

describe('actionFor', () => {
  it('maps the documented keys anywhere', () => {
    expect(actionFor(press(' '), 'global')).toBe('togglePlay');
    expect(actionFor(press('k'), 'global')).toBe('togglePlay');
    expect(actionFor(press('K', { shiftKey: true }), 'global')).toBe('togglePlay');
    expect(actionFor(press('j'), 'global')).toBe('back10');
    expect(actionFor(press('l'), 'global')).toBe('forward10');
    expect(actionFor(press('ArrowLeft'), 'global')).toBe('back5');
    expect(actionFor(press('ArrowRight', { shiftKey: true }), 'global')).toBe('forward15');
    expect(actionFor(press('['), 'global')).toBe('slower');
    expect(actionFor(press(']'), 'global')).toBe('faster');
    expect(actionFor(press('+', { shiftKey: true }), 'global')).toBe('volumeUp');
    expect(actionFor(press('-'), 'global')).toBe('volumeDown');
    expect(actionFor(press('N', { shiftKey: true }), 'global')).toBe('nextLeg');
    expect(actionFor(press('p'), 'global')).toBe('prevLeg');
    expect(actionFor(press('ArrowDown', { altKey: true }), 'global')).toBe('nextCall');
    expect(actionFor(press('ArrowUp', { altKey: true }), 'global')).toBe('prevCall');
    expect(actionFor(press('/'), 'global')).toBe('search');
    expect(actionFor(press('Escape'), 'global')).toBe('closeCall');
    expect(actionFor(press('?', { shiftKey: true }), 'global')).toBe('help');
    expect(actionFor(press('m'), 'global')).toBe('bookmark');
    expect(actionFor(press('M', { shiftKey: true }), 'global')).toBe('bookmark');
    expect(actionFor(press('r'), 'global')).toBe('focusReview');
    expect(actionFor(press('m', { ctrlKey: true }), 'global')).toBeNull();
  });

  it('keeps plain ↑/↓ for the list (rows) and the player bar (volume), not anywhere', () => {
    expect(actionFor(press('ArrowDown'), 'global')).toBeNull();
    expect(actionFor(press('ArrowDown'), 'list')).toBe('rowDown');
    expect(actionFor(press('ArrowUp'), 'list')).toBe('rowUp');
    expect(actionFor(press('ArrowUp'), 'player')).toBe('playerVolumeUp');
    expect(actionFor(press('Enter'), 'list')).toBe('openRow');
    expect(actionFor(press('Enter'), 'global')).toBeNull();
    expect(actionFor(press('d'), 'list')).toBe('downloadRow');
    expect(actionFor(press('End'), 'list')).toBe('lastRow');
  });

  it('leaves Ctrl/Meta combinations, wrong modifiers and other keys alone', () => {
    expect(actionFor(press('k', { ctrlKey: true }), 'global')).toBeNull();
    expect(actionFor(press(' ', { metaKey: true }), 'global')).toBeNull();
    expect(actionFor(press('ArrowLeft', { altKey: true }), 'global')).toBeNull();
    expect(actionFor(press('j', { altKey: true }), 'global')).toBeNull();
    expect(actionFor(press('ArrowDown', { altKey: true, shiftKey: true }), 'global')).toBeNull();
    expect(actionFor(press('x'), 'global')).toBeNull();
  });

  it('binds no chord twice in one scope', () => {
    const seen = new Set<string>();
    for (const b of KEYMAP) {
      for (const c of b.chords) {
        const id = `${b.scope}:${chordLabel(c)}`;
        expect(seen.has(id), id).toBe(false);
        seen.add(id);
      }
    }
  });
});

describe('the help', () => {
  it('names the keys as they are printed', () => {
    expect(chordLabel({ key: ' ' })).toBe('Space');
    expect(chordLabel({ key: 'ArrowLeft', shift: true })).toBe('Shift+←');
    expect(chordLabel({ key: 'ArrowDown', alt: true })).toBe('Alt+↓');
    expect(chordLabel({ key: 'k' })).toBe('K');
    expect(chordLabel({ key: '[' })).toBe('[');
  });

  it('lists every binding once, by scope', () => {
    const sections = helpSections();
    expect(sections.map((s) => s.scope)).toEqual(['global', 'list', 'player']);
    expect(sections.flatMap((s) => s.bindings)).toHaveLength(KEYMAP.length);
  });
});
