package io.ctrlplane.webhooks;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Delay before retry number {@code attempt + 1}: {@code initial * 2^(attempt-1)}, capped at {@code
 * max}, plus up to 10 % random jitter so deliveries that failed together (a receiver restart) do
 * not all come back in the same instant.
 */
record Backoff(long initialMs, long maxMs) {
  long delayAfter(int attempt) {
    long base = initialMs;
    for (int i = 1; i < attempt && base < maxMs; i++) {
      base *= 2;
    }
    base = Math.min(base, maxMs);
    return base + ThreadLocalRandom.current().nextLong(base / 10 + 1);
  }
}
