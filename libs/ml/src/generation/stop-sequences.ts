// Stop sequences on decoded text. Text is released to the stream only once it can no longer be the start of a stop
// string, so a stop string split across several tokens never leaks to the client and the streamed deltas always
// add up to the final (trimmed) text.

export interface StopScanResult {
  /** Text that is now safe to emit. */
  readonly text: string;
  /** The stop string found, if any; the output ends right before it. */
  readonly stop?: string;
}

export class StopSequenceMatcher {
  // Text received but not yet released: empty, or a tail that is a proper prefix of some stop string.
  private pending = '';

  constructor(private readonly stops: readonly string[]) {}

  /** Adds decoded text. Returns what may be emitted now, and the stop string if one completed. */
  push(delta: string): StopScanResult {
    if (this.stops.length === 0) return { text: delta };
    const text = this.pending + delta;
    // 1. The earliest complete stop string wins; what precedes it is the rest of the output.
    let stopAt = -1;
    let found: string | undefined;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (stopAt < 0 || at < stopAt)) {
        stopAt = at;
        found = stop;
      }
    }
    if (found !== undefined) {
      this.pending = '';
      return { text: text.slice(0, stopAt), stop: found };
    }
    // 2. Hold back the longest tail that could still grow into a stop string.
    const held = this.heldTailLength(text);
    this.pending = text.slice(text.length - held);
    return { text: text.slice(0, text.length - held) };
  }

  /** Ends the text: whatever was held back is not a stop after all. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  private heldTailLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
