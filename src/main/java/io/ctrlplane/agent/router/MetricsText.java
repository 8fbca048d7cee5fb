package io.ctrlplane.agent.router;

import io.ctrlplane.provider.TrafficSample;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routers' counters in Prometheus' text exposition format: requests, 5xx answers and a latency
 * histogram per release, labelled with {@code instance}, {@code release} and {@code version}, so a
 * Prometheus query can compare a canary with the stable release.
 */
final class MetricsText {
  private MetricsText() {}

  static String render(Collection<Router> routers) {
    StringBuilder requests = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    StringBuilder latency = new StringBuilder();
    for (Router r : routers) {
      for (Map.Entry<String, ReleaseTotals> e : new TreeMap<>(r.totals()).entrySet()) {
        Integer version = r.version(e.getKey());
        String labels =
            "instance=\""
                + r.instanceId
                + "\",release=\""
                + e.getKey()
                + "\",version=\""
                + (version == null ? "" : version)
                + "\"";
        ReleaseTotals t = e.getValue();
        requests.append("ctrlplane_router_requests_total{").append(labels).append("} ");
        requests.append(t.requests).append('\n');
        errors.append("ctrlplane_router_errors_total{").append(labels).append("} ");
        errors.append(t.errors).append('\n');
        long cumulative = 0;
        for (int i = 0; i < t.buckets.length; i++) {
          cumulative += t.buckets[i];
          String le =
              i < TrafficSample.BUCKETS_MS.length
                  ? String.format(Locale.ROOT, "%.3f", TrafficSample.BUCKETS_MS[i] / 1000.0)
                  : "+Inf";
          latency.append("ctrlplane_router_request_duration_seconds_bucket{").append(labels);
          latency.append(",le=\"").append(le).append("\"} ").append(cumulative).append('\n');
        }
        latency.append("ctrlplane_router_request_duration_seconds_sum{").append(labels);
        latency.append("} ").append(String.format(Locale.ROOT, "%.6f", t.latencySeconds));
        latency.append('\n');
        latency.append("ctrlplane_router_request_duration_seconds_count{").append(labels);
        latency.append("} ").append(t.requests).append('\n');
      }
    }
    return "# HELP ctrlplane_router_requests_total Requests the router answered, per release.\n"
        + "# TYPE ctrlplane_router_requests_total counter\n"
        + requests
        + "# HELP ctrlplane_router_errors_total 5xx answers (and broken responses), per release.\n"
        + "# TYPE ctrlplane_router_errors_total counter\n"
        + errors
        + "# HELP ctrlplane_router_request_duration_seconds Time to the end of the answer.\n"
        + "# TYPE ctrlplane_router_request_duration_seconds histogram\n"
        + latency;
  }
}
