// Scrolling inside a pane only. `scrollIntoView` (and `focus()`) scroll every scrolling ancestor
// up to the page itself, and sideways too; the workspace is a fixed-height app whose panes scroll
// on their own, so a search or a shortcut in the call's pane moves that pane and nothing else.

/** The attribute that marks a pane: the outermost box `revealInPane` may scroll. */
const PANE_ATTRIBUTE = 'data-scroll-pane';

/**
 * The scrollTop that shows the span [top, bottom) (offsets in the scroller's content) in a
 * viewport `viewport` high, moving as little as possible; the current one when it already
 * shows. A span taller than the viewport shows its start. Whole pixels, rounded outwards: a
 * box scrolls by whole pixels, and a fraction short would leave the span's edge cut.
 */
export function nearestScrollTop(top: number, bottom: number, scrollTop: number, viewport: number): number {
  if (top < scrollTop || bottom - top > viewport) return Math.max(0, Math.floor(top));
  if (bottom > scrollTop + viewport) return Math.max(0, Math.ceil(bottom - viewport));
  return scrollTop;
}

function scrollsVertically(box: Element): boolean {
  if (box.scrollHeight <= box.clientHeight) return false;
  const { overflowY } = getComputedStyle(box);
  return overflowY === 'auto' || overflowY === 'scroll';
}

/**
 * Brings `el` into view as `scrollIntoView({ block: 'nearest' })` would, but only through the
 * scrolling boxes between it and its pane (the pane included): never the page, never a box
 * around the pane, never sideways. Outside a pane, the nearest scrolling box alone.
 */
export function revealInPane(el: Element): void {
  const pane = el.closest(`[${PANE_ATTRIBUTE}]`);
  for (let box = el.parentElement; box !== null; box = box.parentElement) {
    if (scrollsVertically(box)) {
      const view = box.getBoundingClientRect().top + box.clientTop;
      const rect = el.getBoundingClientRect();
      box.scrollTop = nearestScrollTop(
        rect.top - view + box.scrollTop,
        rect.bottom - view + box.scrollTop,
        box.scrollTop,
        box.clientHeight,
      );
      if (pane === null) return;
    }
    if (box === pane) return;
  }
}

/**
 * An attachment for a box that scrolls its first child: in the tab order while that child is
 * taller than the box, so a keyboard reaches what it hides (WCAG 2.1.1; axe's
 * scrollable-region-focusable), and out of it otherwise.
 */
export function tabbableWhileScrolling(box: HTMLElement): () => void {
  const update = (): void => {
    if (box.scrollHeight > box.clientHeight) box.tabIndex = 0;
    else box.removeAttribute('tabindex');
  };
  // The box shrinks with the window; its content grows and shrinks with what it holds.
  const observer = new ResizeObserver(update);
  observer.observe(box);
  if (box.firstElementChild) observer.observe(box.firstElementChild);
  update();
  return () => {
    observer.disconnect();
  };
}
