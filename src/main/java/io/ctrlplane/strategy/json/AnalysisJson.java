package io.ctrlplane.strategy.json;

import io.ctrlplane.strategy.AnalysisSpec;
import io.ctrlplane.strategy.Condition;
import io.ctrlplane.strategy.MetricSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An analysis spec in a stored plan. The shorthand keeps its two fields ({@code max_error_rate},
 * {@code window_seconds}), so plans stored before the full form existed still read; the full form
 * adds {@code min_requests} and {@code metrics}.
 */
final class AnalysisJson {
  private AnalysisJson() {}

  static void put(JsonObject step, AnalysisSpec spec) {
    if (spec.shorthand()) {
      MetricSpec m = spec.metrics().get(0);
      step.put("max_error_rate", m.condition().limit()).put("window_seconds", m.intervalSeconds());
      return;
    }
    JsonArray metrics = new JsonArray();
    for (MetricSpec m : spec.metrics()) {
      metrics.add(
          new JsonObject()
              .put("name", m.name())
              .put("provider", m.provider())
              .put("measure", m.condition().measure().wire())
              .put("bound", m.condition().bound().wire())
              .put("limit", m.condition().limit())
              .put("interval_seconds", m.intervalSeconds())
              .put("count", m.count())
              .put("failure_limit", m.failureLimit())
              .put("inconclusive_limit", m.inconclusiveLimit())
              .put("source", new JsonObject(new HashMap<>(m.source()))));
    }
    step.put("min_requests", spec.minRequests()).put("metrics", metrics);
  }

  static AnalysisSpec spec(JsonObject step) {
    if (!step.containsKey("metrics")) {
      return AnalysisSpec.errorRate(
          step.getDouble("max_error_rate"), step.getInteger("window_seconds"));
    }
    List<MetricSpec> metrics = new ArrayList<>();
    JsonArray list = step.getJsonArray("metrics");
    for (int i = 0; i < list.size(); i++) {
      JsonObject m = list.getJsonObject(i);
      Map<String, String> source = new HashMap<>();
      m.getJsonObject("source", new JsonObject())
          .forEach(e -> source.put(e.getKey(), String.valueOf(e.getValue())));
      metrics.add(
          new MetricSpec(
              m.getString("name"),
              m.getString("provider"),
              new Condition(
                  Condition.Measure.fromWire(m.getString("measure")),
                  Condition.Bound.fromWire(m.getString("bound")),
                  m.getDouble("limit")),
              m.getInteger("interval_seconds"),
              m.getInteger("count"),
              m.getInteger("failure_limit"),
              m.getInteger("inconclusive_limit"),
              source));
    }
    return new AnalysisSpec(step.getInteger("min_requests"), metrics, false);
  }
}
