/**
 * How long the chain table takes to render an update, measured in the
 * browser with performance marks: `chain-update` when a message arrives,
 * `chain-render` (a measure) once React has committed it to the DOM. The
 * latest durations (ms) are kept on `window.__chainRenderMs` for the
 * end-to-end test to read; marks are cleared so the timeline stays small.
 */
declare global {
  interface Window {
    __chainRenderMs?: number[];
  }
}

const KEEP = 500;
let pending = false;

export function markUpdate(): void {
  performance.mark('chain-update');
  pending = true;
}

/** Called once the table has committed: measures from the latest update mark. */
export function measureRender(): void {
  if (!pending) return;
  pending = false;
  const measure = performance.measure('chain-render', 'chain-update');
  const list = (window.__chainRenderMs ??= []);
  list.push(measure.duration);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
  performance.clearMarks('chain-update');
  performance.clearMeasures('chain-render');
}
