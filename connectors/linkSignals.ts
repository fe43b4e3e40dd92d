/**
 * One abort signal that follows several: aborted as soon as any of them is,
 * with that one's reason. Listeners are removed on release, so a long-lived
 * signal (the connector's lifetime) does not collect one per call.
 */

/** A controller whose signal also aborts when any of `signals` does; call release() when done with it. */
export function linkSignals(signals: readonly AbortSignal[]): { readonly controller: AbortController; release(): void } {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const listener = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', listener, { once: true });
    listeners.push([signal, listener]);
  }
  return {
    controller,
    release() {
      for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
      listeners.length = 0;
    },
  };
}
