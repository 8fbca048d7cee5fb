package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.analysis.MetricSources;
import io.ctrlplane.analysis.Reading;
import io.ctrlplane.analysis.Verdict;
import io.ctrlplane.analysis.Verdicts;
import io.ctrlplane.strategy.Condition;
import io.ctrlplane.strategy.MetricSpec;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.DemoApps;
import io.ctrlplane.testing.LoadGenerator;
import io.ctrlplane.testing.PrometheusServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Canary analysis on real processes with live traffic through the agent's router, and the
 * Prometheus metric provider against a real Prometheus scraping that agent's /metrics. One instance
 * with v1 under load serves the failing canaries in turn (each leaves v1 live); the healthy one
 * goes last.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CtrlPlaneServer(
    roles = "api,runner,relay,agent",
    agent = "agent-analysis",
    config = "runner.poll_ms=200")
@DisplayName("Analysis judges real processes from the routers' own counts")
class ProcessAnalysisTest {
  private static final Duration END = Duration.ofSeconds(90);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private ApiClient api;
  private Rollouts rollouts;
  private Vertx vertx;
  private JsonArray command;
  private Pool pool;
  private String instanceId;
  private LoadGenerator load;

  @BeforeAll
  void start(Vertx vertx, ApiClient api, Sql sql) {
    this.vertx = vertx;
    command = DemoApps.command("v1", "v2");
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
    int port = TestStack.freePort();
    instanceId = instance(2, port);
    rollouts.awaitState(deploy(instanceId, "demo:v1", null, null), "succeeded", END);
    load = new LoadGenerator(vertx, "127.0.0.1", port, 4);
    load.awaitMore(200);
  }

  @AfterAll
  void stop(CtrlPlane plane) throws Exception {
    if (load != null) {
      load.stop();
    }
    plane.stop();
    Await.until(
        Duration.ofSeconds(20),
        "no demo app process left",
        () -> DemoApps.running().isEmpty() ? true : null);
  }

  private String instance(int replicas, int routerPort) {
    JsonObject config =
        new JsonObject()
            .put("command", command)
            .put("health_path", "/health")
            .put("router_port", routerPort)
            .put("drain_timeout_ms", 2000)
            .put("grace_timeout_ms", 2000);
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "analysed-" + NAMES.incrementAndGet())
                .put("replicas", replicas)
                .put("provider", "process")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  private String deploy(String instance, String image, JsonObject params, JsonObject env) {
    JsonObject body =
        new JsonObject()
            .put("image", image)
            .put("strategy", params == null ? "rolling" : "canary")
            .put("strategy_params", params == null ? new JsonObject() : params);
    if (env != null) {
      body.put("env", env);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instance + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  private static JsonObject canary(JsonObject... metrics) {
    JsonObject analysis =
        new JsonObject()
            .put("min_requests", 20)
            .put("metrics", new JsonArray(List.of((Object[]) metrics)));
    return new JsonObject()
        .put(
            "steps",
            new JsonArray()
                .add(new JsonObject().put("set_weight", 50))
                .add(new JsonObject().put("analysis", analysis)))
        .put("progress_deadline_seconds", 60);
  }

  private static JsonObject errorRate(double max) {
    return new JsonObject()
        .put("name", "errors")
        .put("error_rate", new JsonObject().put("max", max))
        .put("interval_seconds", 3)
        .put("count", 2);
  }

  private List<JsonObject> measurements(String deploymentId) {
    ApiClient.Response r = api.get("/v1/deployments/" + deploymentId + "/analysis");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  /**
   * After a failed canary: every answer to a request sent once the revert ended comes from v1.
   * Requests already in flight to v2 when traffic moved may still answer from it (a slow v2 takes
   * 200 ms), so only answers completed a second after the end count.
   */
  private void trafficBackOnV1(JsonObject ended) {
    long after = java.time.Instant.parse(ended.getString("finished_at")).toEpochMilli() + 1_000;
    List<LoadGenerator.Sample> later =
        Await.until(
            END,
            "200 answers after the revert",
            () -> {
              List<LoadGenerator.Sample> s =
                  load.samples().stream().filter(x -> x.atMs() > after).toList();
              return s.size() >= 200 ? s : null;
            });
    assertThat(later).allSatisfy(x -> assertThat(x.version()).isEqualTo("v1"));
  }

  @Test
  @Order(1)
  @DisplayName("a canary answering 30 % 500s fails at its analysis and traffic returns to v1")
  void errorsFail() {
    String dep =
        deploy(
            instanceId,
            "demo:v2",
            canary(errorRate(0.05)),
            new JsonObject().put("DEMO_ERROR_RATE", "0.3"));
    JsonObject failed = rollouts.awaitState(dep, "failed", END);
    System.out.printf("process analysis, 30 %% errors: %s%n", failed.getString("error"));
    assertThat(failed.getString("error"))
        .contains("analysis failed: metric errors of v2: error_rate was")
        .contains("above max 0.050");
    JsonObject m = measurements(dep).get(0);
    assertThat(m.getString("verdict")).isEqualTo("failed");
    assertThat(m.getLong("sample_size")).isGreaterThanOrEqualTo(20);
    assertThat(m.getDouble("value")).isBetween(0.1, 0.5);
    trafficBackOnV1(failed);
  }

  @Test
  @Order(2)
  @DisplayName("a canary 200 ms slower than v1 fails the baseline latency comparison")
  void latencyRegressionFails() {
    JsonObject latency =
        new JsonObject()
            .put("name", "latency")
            .put("latency_p99_ms", new JsonObject().put("max_ratio", 1.5))
            .put("interval_seconds", 3);
    String dep =
        deploy(
            instanceId,
            "demo:v2",
            canary(latency),
            new JsonObject().put("DEMO_RESPONSE_DELAY_MS", "200"));
    JsonObject failed = rollouts.awaitState(dep, "failed", END);
    JsonObject m = measurements(dep).get(0);
    System.out.printf(
        "process analysis, +200 ms: p99 %s ms vs stable %s ms%n",
        m.getDouble("value"), m.getDouble("stable_value"));
    // releases are numbered per instance: this canary is v3 (v2 was the failed one before)
    assertThat(failed.getString("error")).contains("metric latency of v3").contains("x stable");
    assertThat(m.getDouble("value")).isGreaterThanOrEqualTo(200.0);
    assertThat(m.getDouble("value")).isGreaterThan(1.5 * m.getDouble("stable_value"));
    trafficBackOnV1(failed);
  }

  @Test
  @Order(3)
  @DisplayName(
      "the Prometheus provider against a real Prometheus: a value, a failure, unreachable and empty are told apart")
  void prometheusProvider() throws Exception {
    String agent =
        Await.result(
                pool.preparedQuery("SELECT api_url FROM agents WHERE id = $1")
                    .execute(Tuple.of("agent-analysis")))
            .iterator()
            .next()
            .getString("api_url");
    URI agentUri = URI.create(agent);
    String metrics =
        new String(
            URI.create(agent + "/metrics").toURL().openStream().readAllBytes(),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(metrics)
        .contains("ctrlplane_router_requests_total{instance=\"" + instanceId + "\"")
        .contains("version=\"1\"")
        .contains("ctrlplane_router_request_duration_seconds_bucket{");
    try (PrometheusServer prometheus =
        PrometheusServer.scraping("analysis", agentUri.getHost() + ":" + agentUri.getPort())) {
      String v1Errors =
          "sum(rate(ctrlplane_router_errors_total{instance=\"{{instance}}\",version=\"{{stable_version}}\"}[10s]))"
              + " / sum(rate(ctrlplane_router_requests_total{instance=\"{{instance}}\",version=\"{{stable_version}}\"}[10s]))";
      MetricSources sources = new MetricSources(vertx);
      MetricSources.Subject subject =
          new MetricSources.Subject(instanceId, "rel_x", 99, "rel_y", 1);
      Condition max5 = new Condition(Condition.Measure.VALUE, Condition.Bound.MAX, 0.05);
      Condition min1k = new Condition(Condition.Measure.VALUE, Condition.Bound.MIN, 1_000_000);
      Reading healthy =
          Await.until(
              Duration.ofSeconds(60),
              "prometheus has two scrapes of v1",
              () -> {
                Reading r =
                    Await.result(
                        sources.read(prom(prometheus.address(), v1Errors), subject),
                        Duration.ofSeconds(10));
                return Double.isFinite(r.value()) ? r : null;
              });
      assertThat(Verdicts.judge(max5, 1, healthy, null).verdict()).isEqualTo(Verdict.SUCCESSFUL);
      assertThat(Verdicts.judge(min1k, 1, healthy, null).verdict()).isEqualTo(Verdict.FAILED);
      Reading unreachable =
          Await.result(
              sources.read(prom("http://127.0.0.1:" + TestStack.freePort(), v1Errors), subject));
      assertThat(Verdicts.judge(max5, 1, unreachable, null).verdict())
          .as(String.valueOf(unreachable.error()))
          .isEqualTo(Verdict.INCONCLUSIVE);
      Reading empty =
          Await.result(
              sources.read(
                  prom(
                      prometheus.address(),
                      "sum(rate(ctrlplane_router_requests_total{version=\"{{version}}\"}[10s]))"),
                  subject));
      assertThat(empty.error()).contains("no sample");
      assertThat(Verdicts.judge(max5, 1, empty, null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      // with a sample_query, min_requests applies to Prometheus too
      MetricSpec sized =
          new MetricSpec(
              "p",
              MetricSpec.PROMETHEUS,
              max5,
              1,
              1,
              0,
              0,
              Map.of(
                  "address",
                  prometheus.address(),
                  "query",
                  v1Errors,
                  MetricSpec.SAMPLE_QUERY,
                  "sum(increase(ctrlplane_router_requests_total{instance=\"{{instance}}\",version=\"{{stable_version}}\"}[10s]))"));
      Reading counted = Await.result(sources.read(sized, subject), Duration.ofSeconds(10));
      System.out.printf(
          "prometheus with sample_query: value %s over %d requests%n",
          counted.value(), counted.sampleSize());
      assertThat(counted.sampleSize()).isPositive();
      assertThat(Verdicts.judge(max5, 1, counted, null).verdict()).isEqualTo(Verdict.SUCCESSFUL);
      assertThat(Verdicts.judge(max5, 1_000_000_000, counted, null).verdict())
          .isEqualTo(Verdict.INCONCLUSIVE);
      Await.result(sources.close());

      // and end to end: a canary judged by Prometheus fails on its 30 % errors
      String canaryErrors = v1Errors.replace("{{stable_version}}", "{{version}}");
      JsonObject metric =
          new JsonObject()
              .put("name", "prom-errors")
              .put("provider", "prometheus")
              .put(
                  "prometheus",
                  new JsonObject().put("address", prometheus.address()).put("query", canaryErrors))
              .put("value", new JsonObject().put("max", 0.05))
              .put("interval_seconds", 4)
              .put("count", 3)
              .put("inconclusive_limit", 1);
      String dep =
          deploy(
              instanceId,
              "demo:v2",
              canary(metric),
              new JsonObject().put("DEMO_ERROR_RATE", "0.3"));
      JsonObject failed = rollouts.awaitState(dep, "failed", END);
      System.out.printf("process analysis via prometheus: %s%n", failed.getString("error"));
      assertThat(failed.getString("error")).contains("metric prom-errors of v4");
      assertThat(measurements(dep))
          .extracting(m -> m.getString("verdict"))
          .contains("failed")
          .doesNotContain("successful");
      trafficBackOnV1(failed);
    }
  }

  private static MetricSpec prom(String address, String query) {
    return new MetricSpec(
        "p",
        MetricSpec.PROMETHEUS,
        new Condition(Condition.Measure.VALUE, Condition.Bound.MAX, 0.05),
        1,
        1,
        0,
        0,
        Map.of("address", address, "query", query));
  }

  @Test
  @Order(4)
  @DisplayName(
      "the same healthy canary with no traffic at all ends inconclusive (paused), never succeeded")
  void noTrafficIsInconclusive() {
    // an instance of its own, with no load on its router
    String quiet = instance(1, TestStack.freePort());
    rollouts.awaitState(deploy(quiet, "demo:v1", null, null), "succeeded", END);
    String dep = deploy(quiet, "demo:v2", canary(errorRate(0.05)), null);
    JsonObject paused =
        Await.until(
            END,
            "the analysis to be inconclusive",
            () -> {
              JsonObject d = rollouts.deployment(dep);
              assertThat(d.getString("state")).isIn("pending", "running");
              return "analysis_inconclusive"
                      .equals(d.getJsonObject("progress", new JsonObject()).getString("blocked_on"))
                  ? d
                  : null;
            });
    assertThat(paused.getJsonObject("progress").getString("phase")).isEqualTo("paused");
    assertThat(measurements(dep))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getString("verdict")).isEqualTo("inconclusive");
              assertThat(m.getLong("sample_size")).isZero();
            });
    assertThat(api.post("/v1/deployments/" + dep + "/cancel", null).status()).isEqualTo(202);
    rollouts.awaitState(dep, "cancelled", END);
    Await.result(
        pool.preparedQuery(
                "UPDATE proc_replicas SET stop_at = now() WHERE instance_id = $1 "
                    + "AND stopped_at IS NULL AND (stop_at IS NULL OR stop_at > now())")
            .execute(Tuple.of(quiet)));
  }

  @Test
  @Order(5)
  @DisplayName("a canary with 0 % errors under live traffic succeeds and takes all traffic")
  void healthySucceeds() {
    String dep = deploy(instanceId, "demo:v2", canary(errorRate(0.05)), null);
    rollouts.awaitState(dep, "succeeded", END);
    assertThat(measurements(dep))
        .extracting(m -> m.getString("verdict"))
        .containsExactly("successful", "successful");
    int from = load.size();
    load.awaitMore(200);
    assertThat(load.samples().subList(from, load.size()))
        .allSatisfy(s -> assertThat(s.version()).isEqualTo("v2"));
    assertThat(load.failures()).allSatisfy(f -> assertThat(f.failure()).startsWith("500 injected"));
  }

  /** One reading of the router's own counter of answers per release, from the agent's /metrics. */
  private record Count(long atMs, Map<String, Long> byRelease) {}

  private static Map<String, Long> requestsByRelease(String metricsUrl, String instance) {
    Map<String, Long> out = new java.util.HashMap<>();
    try {
      String text =
          new String(
              URI.create(metricsUrl).toURL().openStream().readAllBytes(),
              java.nio.charset.StandardCharsets.UTF_8);
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile(
                  "ctrlplane_router_requests_total\\{instance=\"([^\"]+)\",release=\"([^\"]+)\"[^}]*\\} (\\d+)")
              .matcher(text);
      while (m.find()) {
        if (m.group(1).equals(instance)) {
          out.put(m.group(2), Long.parseLong(m.group(3)));
        }
      }
    } catch (java.io.IOException e) {
      // a missed poll: the next one counts
    }
    return out;
  }

  @Test
  @Order(6)
  @DisplayName(
      "bake: errors that start 5 s after the release takes all traffic are caught; traffic is back on the warm old release within 1 s")
  void bakeCatchesLateErrors() throws Exception {
    int port = TestStack.freePort();
    String baked = instance(2, port);
    rollouts.awaitState(deploy(baked, "demo:v1", null, null), "succeeded", END);
    String agent =
        Await.result(
                pool.preparedQuery("SELECT api_url FROM agents WHERE id = $1")
                    .execute(Tuple.of("agent-analysis")))
            .iterator()
            .next()
            .getString("api_url");
    LoadGenerator traffic = new LoadGenerator(vertx, "127.0.0.1", port, 4);
    List<Count> counts = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicBoolean polling =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread poller =
        new Thread(
            () -> {
              while (polling.get()) {
                counts.add(
                    new Count(
                        System.currentTimeMillis(), requestsByRelease(agent + "/metrics", baked)));
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "router-counts");
    poller.start();
    try {
      traffic.awaitMore(200);
      JsonObject errors =
          new JsonObject()
              .put("name", "errors")
              .put("error_rate", new JsonObject().put("max", 0.05))
              // the agents write their counts stamped with the second of the write, so a window
              // of 2 s holds at least one whole second of them
              .put("interval_seconds", 2)
              .put("count", 15)
              // a replica that just took all traffic is cold, and a loaded machine delays the
              // agent's writes: some windows may be thin
              .put("inconclusive_limit", 10);
      JsonObject params =
          new JsonObject()
              .put("scale_down_delay_seconds", 0)
              .put("bake_seconds", 30)
              .put(
                  "bake_analysis",
                  new JsonObject()
                      .put("min_requests", 10)
                      .put("metrics", new JsonArray().add(errors)))
              .put("progress_deadline_seconds", 90);
      ApiClient.Response r =
          api.post(
              "/v1/instances/" + baked + "/deployments",
              new JsonObject()
                  .put("image", "demo:v2")
                  .put("strategy", "blue-green")
                  .put("strategy_params", params)
                  .put(
                      "env",
                      new JsonObject()
                          .put("DEMO_ERROR_RATE", "0.5")
                          .put("DEMO_ERRORS_AFTER_MS", "5000")));
      assertThat(r.status()).as(r.text()).isEqualTo(202);
      String dep = r.json().getString("id");
      JsonObject failed = rollouts.awaitState(dep, "failed", END);
      String old = Rollouts.previousReleaseId(failed);
      String bad = Rollouts.releaseId(failed);
      System.out.printf("process bake: %s%n", failed.getString("error"));
      assertThat(failed.getString("error"))
          .contains("analysis failed: metric bake:errors of v2: error_rate was")
          .contains("above max 0.050");
      List<JsonObject> evidence = measurements(dep);
      assertThat(evidence)
          .extracting(m -> m.getString("verdict"))
          .as("healthy when it took all traffic: the bake's first measurements do not fail")
          .contains("successful")
          .first()
          .isNotEqualTo("failed");
      JsonObject failedAt = evidence.get(evidence.size() - 1);
      assertThat(failedAt.getString("verdict")).isEqualTo("failed");
      long measuredMs = java.time.Instant.parse(failedAt.getString("taken_at")).toEpochMilli();
      // wait for the counts to settle, then find when the router last answered for v2
      int settled = counts.size();
      Await.until(
          Duration.ofSeconds(10),
          "a second of counts after the end",
          () -> counts.size() > settled + 40 ? true : null);
      List<Count> seen;
      synchronized (counts) {
        seen = List.copyOf(counts);
      }
      Count lastGrowth = null;
      for (int i = 1; i < seen.size(); i++) {
        long before = seen.get(i - 1).byRelease().getOrDefault(bad, 0L);
        long now = seen.get(i).byRelease().getOrDefault(bad, 0L);
        if (now > before) {
          lastGrowth = seen.get(i);
        }
      }
      assertThat(lastGrowth).as("the router counted answers of v2").isNotNull();
      long backMs = lastGrowth.atMs() - measuredMs;
      long oldAfter =
          seen.get(seen.size() - 1).byRelease().getOrDefault(old, 0L)
              - lastGrowth.byRelease().getOrDefault(old, 0L);
      System.out.printf(
          "process bake: the router answered its last request for v2 %d ms after the failed measurement"
              + " (router counts polled every 20 ms); v1 answered %d more since%n",
          backMs, oldAfter);
      assertThat(backMs).isLessThan(1_000);
      assertThat(oldAfter).isPositive();
      // nothing failed but the bad release's own answers: no refused connection, no 502, no v1
      // error
      assertThat(traffic.failures())
          .isNotEmpty()
          .allSatisfy(
              f -> assertThat(f.failure()).startsWith("500 injected").endsWith("version=v2"));
      System.out.printf("process bake: load %s%n", traffic.summary());
    } finally {
      polling.set(false);
      poller.join();
      traffic.stop();
      Await.result(
          pool.preparedQuery(
                  "UPDATE proc_replicas SET stop_at = now() WHERE instance_id = $1 "
                      + "AND stopped_at IS NULL AND (stop_at IS NULL OR stop_at > now())")
              .execute(Tuple.of(baked)));
    }
  }
}
