package io.ctrlplane.agent.router;

import io.ctrlplane.provider.TrafficSample;

/**
 * Counters of one release on one router since it started, for {@code /metrics}: monotonic, as
 * Prometheus counters must be (the per-second counts for analysis are taken apart, see {@link
 * Router#takeCounts()}).
 */
final class ReleaseTotals {
  long requests;
  long errors;
  double latencySeconds;
  final long[] buckets = new long[TrafficSample.BUCKETS_MS.length + 1];

  void add(boolean error, int bucket, double ms) {
    requests++;
    if (error) {
      errors++;
    }
    buckets[bucket]++;
    latencySeconds += ms / 1000.0;
  }
}
