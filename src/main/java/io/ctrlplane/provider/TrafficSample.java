package io.ctrlplane.provider;

import java.util.Arrays;

/**
 * What one release served over a window, as its routers counted it (or the simulator's traffic
 * model made up): requests, 5xx answers, and a latency histogram. With no request in the window,
 * the rates and the percentile are NaN: nothing was measured, which is never a pass.
 *
 * @param latencyBuckets counts per latency bucket: bucket i holds answers slower than {@code
 *     BUCKETS_MS[i-1]} and at most {@code BUCKETS_MS[i]}; the last one those slower than every
 *     bound
 */
public record TrafficSample(int windowSeconds, long requests, long errors, long[] latencyBuckets) {
  /** Upper bounds of the latency buckets, in milliseconds (Prometheus' {@code le}). */
  public static final long[] BUCKETS_MS = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

  public TrafficSample {
    latencyBuckets =
        latencyBuckets == null
            ? new long[BUCKETS_MS.length + 1]
            : Arrays.copyOf(latencyBuckets, BUCKETS_MS.length + 1);
  }

  /** The bucket an answer of {@code ms} falls into. */
  public static int bucket(double ms) {
    for (int i = 0; i < BUCKETS_MS.length; i++) {
      if (ms <= BUCKETS_MS[i]) {
        return i;
      }
    }
    return BUCKETS_MS.length;
  }

  public double errorRate() {
    return requests == 0 ? Double.NaN : (double) errors / requests;
  }

  public double requestsPerSecond() {
    return (double) requests / windowSeconds;
  }

  /** The 99th percentile latency, interpolated within its bucket; NaN without answers. */
  public double p99Ms() {
    return quantileMs(0.99);
  }

  public double quantileMs(double q) {
    long total = Arrays.stream(latencyBuckets).sum();
    if (total == 0) {
      return Double.NaN;
    }
    double rank = q * total;
    long seen = 0;
    for (int i = 0; i < latencyBuckets.length; i++) {
      long n = latencyBuckets[i];
      if (n > 0 && seen + n >= rank) {
        if (i == BUCKETS_MS.length) {
          // slower than every bound: the highest bound is all we know
          return BUCKETS_MS[BUCKETS_MS.length - 1];
        }
        double lower = i == 0 ? 0 : BUCKETS_MS[i - 1];
        return lower + (BUCKETS_MS[i] - lower) * (rank - seen) / n;
      }
      seen += n;
    }
    return BUCKETS_MS[BUCKETS_MS.length - 1];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficSample t
        && t.windowSeconds == windowSeconds
        && t.requests == requests
        && t.errors == errors
        && Arrays.equals(t.latencyBuckets, latencyBuckets);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(latencyBuckets) * 31 + Long.hashCode(requests);
  }

  @Override
  public String toString() {
    return "TrafficSample["
        + requests
        + " requests, "
        + errors
        + " errors over "
        + windowSeconds
        + " s, latency "
        + Arrays.toString(latencyBuckets)
        + "]";
  }
}
