package io.ctrlplane.runner;

import java.util.Arrays;
import java.util.Locale;

/**
 * Dispatch lag (a move's due time to its start) over a window, for the runner's periodic stats
 * line: the number an operator and the benchmark read to see whether a runner keeps up. Keeps the
 * last {@link #CAPACITY} lags of the window; enough for percentiles, bounded in memory.
 */
final class DispatchStats {
  private static final int CAPACITY = 1 << 16;
  private final long[] lags = new long[CAPACITY];
  private long count;
  private long maxNanos;

  void dispatched(long lagNanos) {
    lags[(int) (count % CAPACITY)] = lagNanos;
    count++;
    maxNanos = Math.max(maxNanos, lagNanos);
  }

  /**
   * The window as one line ({@code moves=… lag_ms p50=… p99=… max=…}), then a fresh window; null
   * when no move ran.
   */
  String drainLine() {
    if (count == 0) {
      return null;
    }
    int n = (int) Math.min(count, CAPACITY);
    long[] sorted = Arrays.copyOf(lags, n);
    Arrays.sort(sorted);
    String line =
        String.format(
            Locale.ROOT,
            "moves=%d lag_ms p50=%.2f p99=%.2f max=%.2f",
            count,
            sorted[(int) Math.floor(0.50 * (n - 1))] / 1e6,
            sorted[(int) Math.floor(0.99 * (n - 1))] / 1e6,
            maxNanos / 1e6);
    count = 0;
    maxNanos = 0;
    return line;
  }
}
