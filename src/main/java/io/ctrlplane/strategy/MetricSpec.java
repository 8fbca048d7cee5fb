package io.ctrlplane.strategy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One metric of an analysis: where its value comes from ({@code provider}: builtin, prometheus,
 * web, with that provider's settings in {@code source}), what it must satisfy, and how often: every
 * {@code intervalSeconds}, {@code count} times. More than {@code failureLimit} failed measurements
 * fail the analysis; more than {@code inconclusiveLimit} inconclusive ones make it inconclusive.
 */
public record MetricSpec(
    String name,
    String provider,
    Condition condition,
    int intervalSeconds,
    int count,
    int failureLimit,
    int inconclusiveLimit,
    Map<String, String> source) {
  public static final String BUILTIN = "builtin";
  public static final String PROMETHEUS = "prometheus";
  public static final String WEB = "web";

  /** Prometheus: a query whose value is the number of requests the measured value rests on. */
  public static final String SAMPLE_QUERY = "sample_query";

  /** Web: where the same JSON document tells the number of requests the value rests on. */
  public static final String SAMPLE_PATH = "sample_path";

  public MetricSpec {
    source = Map.copyOf(source);
  }

  public String describe() {
    return name + " " + condition.describe() + " every " + intervalSeconds + " s x" + count;
  }

  Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("provider", provider);
    if (!source.isEmpty()) {
      out.put(provider, new TreeMap<>(source));
    }
    Map<String, Object> bound = new LinkedHashMap<>();
    bound.put(condition.bound().wire(), condition.limit());
    out.put(condition.measure().wire(), bound);
    out.put("interval_seconds", intervalSeconds);
    out.put("count", count);
    out.put("failure_limit", failureLimit);
    out.put("inconclusive_limit", inconclusiveLimit);
    return out;
  }
}
