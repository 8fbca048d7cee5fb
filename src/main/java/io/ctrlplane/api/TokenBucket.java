package io.ctrlplane.api;

/**
 * A token bucket: holds up to {@code capacity} tokens, refilled at {@code perSecond}; a request
 * takes one. Plain arithmetic on a caller-supplied clock (nanoseconds), so it is tested without
 * waiting. Thread-safe: the API's verticle instances share one bucket per key and address.
 */
final class TokenBucket {
  private final double capacity;
  private final double perNano;
  private double tokens;
  private long updatedAt;

  TokenBucket(int capacity, double perSecond, long now) {
    this.capacity = capacity;
    this.perNano = perSecond / 1e9;
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes a token: 0 when one was there, else the nanoseconds until one will be. */
  synchronized long take(long now) {
    refill(now);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / perNano);
  }

  /** Full again: it says nothing a fresh bucket would not, so it can be dropped. */
  synchronized boolean full(long now) {
    refill(now);
    return tokens >= capacity;
  }

  private void refill(long now) {
    if (now > updatedAt) {
      tokens = Math.min(capacity, tokens + (now - updatedAt) * perNano);
      updatedAt = now;
    }
  }
}
