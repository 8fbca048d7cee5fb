package io.ctrlplane.strategy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an analysis body, either the shorthand {@code {"max_error_rate", "window_seconds"}} or the
 * full form:
 *
 * <pre>
 * {"min_requests": 20,
 *  "metrics": [{"name": "errors", "error_rate": {"max": 0.05}, "interval_seconds": 5, "count": 3,
 *               "failure_limit": 0, "inconclusive_limit": 1},
 *              {"name": "slower", "latency_p99_ms": {"max_ratio": 1.5}},
 *              {"name": "prom", "provider": "prometheus",
 *               "prometheus": {"address": "http://127.0.0.1:9090", "query": "..."},
 *               "value": {"max": 0.05}}]}
 * </pre>
 *
 * Every problem is reported at its path; a spec is returned only when none was found.
 */
public final class AnalysisSpecs {
  static final int MAX_METRICS = 10;
  private static final String MAX_ERROR_RATE = "max_error_rate";
  private static final String WINDOW_SECONDS = "window_seconds";
  private static final String METRICS = "metrics";
  private static final String MIN_REQUESTS = "min_requests";
  private static final List<String> MEASURES =
      List.of("error_rate", "latency_p99_ms", "requests_per_second", "value");
  private static final List<String> METRIC_KEYS =
      List.of(
          "name",
          "provider",
          "error_rate",
          "latency_p99_ms",
          "requests_per_second",
          "value",
          "interval_seconds",
          "count",
          "failure_limit",
          "inconclusive_limit",
          "prometheus",
          "web");

  private AnalysisSpecs() {}

  /** The spec, or null after reporting problems at {@code path}. */
  public static AnalysisSpec read(Object body, String path, ParamReader in) {
    if (!(body instanceof Map<?, ?> settings)) {
      in.report(
          path,
          "must be an object with max_error_rate and window_seconds, or with metrics, not "
              + Values.describe(body));
      return null;
    }
    ParamReader r = in.nested(keyed(settings), path);
    if (settings.containsKey(METRICS)) {
      return full(r);
    }
    r.rejectUnknownKeys(List.of(MAX_ERROR_RATE, WINDOW_SECONDS), "analysis setting");
    Double maxErrorRate = r.requiredNumber(MAX_ERROR_RATE, BigDecimal.ZERO, BigDecimal.ONE);
    Integer window = r.requiredWhole(WINDOW_SECONDS, 1, 3600);
    return maxErrorRate == null || window == null
        ? null
        : AnalysisSpec.errorRate(maxErrorRate, window);
  }

  private static AnalysisSpec full(ParamReader r) {
    int before = r.problems().size();
    r.rejectUnknownKeys(List.of(MIN_REQUESTS, METRICS), "analysis setting");
    // zero requests can never pass: the smallest sample is one request
    Integer minRequests = r.optionalWhole(MIN_REQUESTS, 1, 1_000_000_000, 1);
    Object raw = r.value(METRICS);
    List<MetricSpec> metrics = new ArrayList<>();
    if (!(raw instanceof List<?> list) || list.isEmpty() || list.size() > MAX_METRICS) {
      r.report(r.path(METRICS), "must be an array of 1 to " + MAX_METRICS + " metrics");
    } else {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        MetricSpec m = metric(list.get(i), r.path(METRICS) + "[" + i + "]", r);
        if (m != null && names.contains(m.name())) {
          r.report(r.path(METRICS) + "[" + i + "].name", "is used by an earlier metric");
        } else if (m != null) {
          names.add(m.name());
          metrics.add(m);
        }
      }
    }
    return r.problems().size() > before ? null : new AnalysisSpec(minRequests, metrics, false);
  }

  private static MetricSpec metric(Object raw, String path, ParamReader parent) {
    if (!(raw instanceof Map<?, ?> map)) {
      parent.report(path, "must be an object, not " + Values.describe(raw));
      return null;
    }
    int before = parent.problems().size();
    ParamReader m = parent.nested(keyed(map), path);
    m.rejectUnknownKeys(METRIC_KEYS, "metric setting");
    String name = string(m, "name", true, 63);
    String provider =
        m.value("provider") == null ? MetricSpec.BUILTIN : string(m, "provider", true, 20);
    if (provider != null
        && !List.of(MetricSpec.BUILTIN, MetricSpec.PROMETHEUS, MetricSpec.WEB).contains(provider)) {
      m.report(m.path("provider"), "must be builtin, prometheus or web");
      provider = null;
    }
    Integer interval = m.optionalWhole("interval_seconds", 1, 3600, 10);
    Integer count = m.optionalWhole("count", 1, 1000, 1);
    Integer failureLimit = m.optionalWhole("failure_limit", 0, 1000, 0);
    Integer inconclusiveLimit = m.optionalWhole("inconclusive_limit", 0, 1000, 0);
    if (count != null && inconclusiveLimit != null && inconclusiveLimit >= count) {
      // otherwise every measurement could be inconclusive and the metric still pass
      m.report(m.path("inconclusive_limit"), "must be lower than count (" + count + ")");
    }
    Condition condition = provider == null ? null : condition(m, provider);
    Map<String, String> source = provider == null ? Map.of() : source(m, provider);
    return parent.problems().size() > before
        ? null
        : new MetricSpec(
            name, provider, condition, interval, count, failureLimit, inconclusiveLimit, source);
  }

  private static Condition condition(ParamReader m, String provider) {
    List<String> given = MEASURES.stream().filter(k -> m.value(k) != null).toList();
    boolean builtin = MetricSpec.BUILTIN.equals(provider);
    String expected = builtin ? "one of error_rate, latency_p99_ms, requests_per_second" : "value";
    if (given.size() != 1) {
      m.report(m.path(), "must give exactly one condition: " + expected);
      return null;
    }
    String key = given.get(0);
    if (builtin == "value".equals(key)) {
      m.report(m.path(key), "is not a condition of provider " + provider + "; use " + expected);
      return null;
    }
    if (!(m.value(key) instanceof Map<?, ?> body) || body.size() != 1) {
      m.report(m.path(key), "must be an object with one bound, e.g. {\"max\": 0.05}");
      return null;
    }
    String bound = String.valueOf(body.keySet().iterator().next());
    List<String> allowed =
        switch (key) {
          case "error_rate" -> List.of("max", "max_delta");
          case "latency_p99_ms" -> List.of("max", "max_ratio");
          case "requests_per_second" -> List.of("min");
          default -> List.of("max", "min");
        };
    String at = m.path(key) + "." + bound;
    if (!allowed.contains(bound)) {
      m.report(at, "unknown bound; known: " + String.join(", ", allowed));
      return null;
    }
    BigDecimal hi = "error_rate".equals(key) ? BigDecimal.ONE : BigDecimal.valueOf(1_000_000_000L);
    BigDecimal lo = "value".equals(key) ? hi.negate() : BigDecimal.ZERO;
    Double limit = Values.number(body.get(bound), lo, hi, at, m.problems());
    return limit == null
        ? null
        : new Condition(Condition.Measure.fromWire(key), Condition.Bound.fromWire(bound), limit);
  }

  private static Map<String, String> source(ParamReader m, String provider) {
    if (MetricSpec.BUILTIN.equals(provider)) {
      if (m.value("prometheus") != null || m.value("web") != null) {
        m.report(m.path(), "a builtin metric takes no prometheus or web settings");
      }
      return Map.of();
    }
    boolean prometheus = MetricSpec.PROMETHEUS.equals(provider);
    List<String> keys = prometheus ? List.of("address", "query") : List.of("url", "json_path");
    // the sample size, where the source can tell it: min_requests then applies as for builtin
    String sampleKey = prometheus ? MetricSpec.SAMPLE_QUERY : MetricSpec.SAMPLE_PATH;
    if (!(m.value(provider) instanceof Map<?, ?> raw)) {
      m.report(m.path(provider), "is required: an object with " + String.join(" and ", keys));
      return Map.of();
    }
    ParamReader s = m.nested(keyed(raw), m.path(provider));
    List<String> known = new ArrayList<>(keys);
    known.add(sampleKey);
    s.rejectUnknownKeys(known, provider + " setting");
    Map<String, String> out = new HashMap<>();
    for (String k : known) {
      String v = string(s, k, !k.equals(sampleKey), 2000);
      if (v != null) {
        out.put(k, v);
      }
    }
    String url = out.getOrDefault("address", out.get("url"));
    if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
      s.report(s.path(keys.get(0)), "must be an http:// or https:// URL");
    }
    return out;
  }

  private static String string(ParamReader r, String key, boolean required, int maxLength) {
    Object v = r.value(key);
    if (v == null) {
      if (required) {
        r.report(r.path(key), "is required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isBlank() || s.length() > maxLength) {
      r.report(r.path(key), "must be a string of 1 to " + maxLength + " characters");
      return null;
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> keyed(Map<?, ?> settings) {
    // decoded JSON objects have string keys only
    return (Map<String, ?>) settings;
  }
}
