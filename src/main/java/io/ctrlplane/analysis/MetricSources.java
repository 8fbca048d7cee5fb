package io.ctrlplane.analysis;

import io.ctrlplane.provider.Provider;
import io.ctrlplane.strategy.MetricSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a metric's readings come from: the provider's router counts ({@code builtin}), a Prometheus
 * query, or a JSON document over HTTP ({@code web}). Whatever goes wrong (a timeout, an error
 * status, an empty result, a value that is not a number) becomes a failed reading, which the
 * verdict makes inconclusive: a source that cannot answer never passes a release.
 */
public final class MetricSources {
  static final long TIMEOUT_MS = 5_000;
  private final HttpClient http;

  public MetricSources(Vertx vertx) {
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MS).setKeepAlive(false));
  }

  /** The names a query or URL may use: {{instance}}, {{release}}, {{version}}, {{stable_*}}. */
  public record Subject(
      String instanceId, String release, int version, String stableRelease, Integer stableVersion) {
    String expand(String template) {
      return template
          .replace("{{instance}}", instanceId)
          .replace("{{release}}", release)
          .replace("{{version}}", String.valueOf(version))
          .replace("{{stable_release}}", stableRelease == null ? "" : stableRelease)
          .replace(
              "{{stable_version}}", stableVersion == null ? "" : String.valueOf(stableVersion));
    }
  }

  /** The reading of a prometheus or web metric. */
  public Future<Reading> read(MetricSpec m, Subject subject) {
    Map<String, String> s = m.source();
    Future<Reading> reading;
    if (MetricSpec.PROMETHEUS.equals(m.provider())) {
      reading = prometheus(s.get("address"), subject.expand(s.get("query")));
      String sampleQuery = s.get(MetricSpec.SAMPLE_QUERY);
      if (sampleQuery != null) {
        Future<Reading> sample = prometheus(s.get("address"), subject.expand(sampleQuery));
        reading =
            Future.all(reading, sample)
                .map(all -> sized(all.resultAt(0), all.resultAt(1), "sample_query"));
      }
    } else {
      reading =
          web(subject.expand(s.get("url")), s.get("json_path"), s.get(MetricSpec.SAMPLE_PATH));
    }
    // a hard bound over the whole exchange: whatever hangs is inconclusive, never a pass
    return reading
        .timeout(TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS)
        .recover(e -> Future.succeededFuture(Reading.failed(describe(e))));
  }

  /** The builtin reading of one release (the traffic its routers counted over the window). */
  public static Future<Reading> builtin(
      Provider provider, MetricSpec m, String instanceId, String releaseId) {
    return provider
        .traffic(instanceId, releaseId, m.intervalSeconds())
        .map(t -> Verdicts.builtin(m.condition().measure(), t))
        .recover(e -> Future.succeededFuture(Reading.failed("provider: " + describe(e))));
  }

  private Future<Reading> prometheus(String address, String query) {
    String url =
        address.replaceAll("/+$", "")
            + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8);
    return get(url).map(body -> PrometheusResult.value(new JsonObject(body)));
  }

  private Future<Reading> web(String url, String jsonPath, String samplePath) {
    return get(url)
        .map(
            body -> {
              Reading value = JsonPath.number(body, jsonPath);
              return samplePath == null
                  ? value
                  : sized(value, JsonPath.number(body, samplePath), "sample_path");
            });
  }

  /**
   * A value with the sample size another reading tells; when that one cannot be read the value
   * rests on an unknown number of requests, which min_requests cannot accept: a failed reading.
   */
  static Reading sized(Reading value, Reading sample, String from) {
    if (value.error() != null) {
      return value;
    }
    if (sample.error() != null) {
      return Reading.failed(from + ": " + sample.error());
    }
    if (!Double.isFinite(sample.value()) || sample.value() < 0) {
      return Reading.failed(from + ": no sample size (" + sample.value() + ")");
    }
    return Reading.of(value.value(), (long) Math.floor(sample.value()));
  }

  private Future<String> get(String url) {
    return http.request(
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(url)
                .setTimeout(TIMEOUT_MS)
                .putHeader("accept", "application/json"))
        .compose(req -> req.send())
        .compose(
            res ->
                res.body()
                    .compose(
                        (Buffer b) ->
                            res.statusCode() / 100 == 2
                                ? Future.succeededFuture(b.toString())
                                : Future.failedFuture(
                                    "HTTP " + res.statusCode() + " from " + url)));
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  public Future<Void> close() {
    return http.close();
  }

  /** Reads Prometheus' query answer: a scalar, or a vector of exactly one sample. */
  static final class PrometheusResult {
    private PrometheusResult() {}

    static Reading value(JsonObject answer) {
      if (!"success".equals(answer.getString("status"))) {
        return Reading.failed("prometheus: " + answer.getString("error", "query failed"));
      }
      JsonObject data = answer.getJsonObject("data", new JsonObject());
      String type = data.getString("resultType", "");
      Object result = data.getValue("result");
      JsonArray sample;
      if ("scalar".equals(type) && result instanceof JsonArray a) {
        sample = a;
      } else if ("vector".equals(type) && result instanceof JsonArray a) {
        if (a.isEmpty()) {
          return Reading.failed("prometheus: the query returned no sample");
        }
        if (a.size() > 1) {
          return Reading.failed("prometheus: the query returned " + a.size() + " samples, not one");
        }
        sample = a.getJsonObject(0).getJsonArray("value");
      } else {
        return Reading.failed("prometheus: a " + type + " result; expected a scalar or a vector");
      }
      return Reading.unsized(parse(sample.getValue(1)));
    }
  }

  /** A tiny JSON path: {@code $.a.b[0].c} (or without {@code $.}). */
  static final class JsonPath {
    private JsonPath() {}

    static Reading number(String body, String path) {
      Object node = io.vertx.core.json.Json.decodeValue(body);
      String p = path.startsWith("$") ? path.substring(1) : path;
      for (String part : p.split("\\.")) {
        if (part.isEmpty()) {
          continue;
        }
        String key = part.contains("[") ? part.substring(0, part.indexOf('[')) : part;
        if (!key.isEmpty()) {
          node = node instanceof JsonObject o ? o.getValue(key) : null;
        }
        int at = part.indexOf('[');
        while (at >= 0 && node != null) {
          int end = part.indexOf(']', at);
          int index = Integer.parseInt(part.substring(at + 1, end));
          node = node instanceof JsonArray a && index < a.size() ? a.getValue(index) : null;
          at = part.indexOf('[', end);
        }
      }
      if (node == null) {
        return Reading.failed("web: nothing at " + path);
      }
      return Reading.unsized(parse(node));
    }
  }

  static double parse(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String s) {
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }
}
