package io.ctrlplane.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
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
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

/**
 * The dashboard and the alert rules against a real Prometheus scraping a running stack: every query
 * of docs/grafana/ctrlplane.json and every expression of docs/prometheus/alerts.yml must evaluate
 * without error and return series. A panel that shows nothing is a defect; so is an alert whose
 * metric the service never exports (it could never fire).
 *
 * <p>An alert is evaluated twice: whole (no error allowed; it may be empty, since nothing is
 * wrong), and as its signals, which must return series: the expression is split at its top-level
 * {@code and}/{@code or}/{@code unless} (a leading {@code on(...)} or {@code ignoring(...)} is
 * dropped) and each part loses its trailing comparison with a number ({@code > 60}, {@code == 0}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(
    roles = "api,runner,relay,webhooks,agent",
    agent = "agent-ops",
    config = {
      "runner.poll_ms=200",
      "webhooks.max_attempts=2",
      "webhooks.initial_backoff_ms=100",
      "webhooks.max_backoff_ms=200",
      "webhooks.request_timeout_ms=2000",
      "webhooks.session_timeout_ms=6000"
    })
@DisplayName("Every dashboard query and alert expression returns series from a live stack")
class PrometheusDashboardTest {
  private static final Duration END = Duration.ofSeconds(90);
  private static final Pattern TRAILING_COMPARISON =
      Pattern.compile("\\s*(==|!=|>=|<=|>|<)\\s*(bool\\s+)?[-+0-9.eE]+\\s*$");
  private static final Pattern LEADING_MATCHING =
      Pattern.compile("^\\s*(on|ignoring)\\s*\\([^)]*\\)\\s*");

  private Rollouts rollouts;
  private ApiClient api;
  private WebhookReceiver receiver;
  private LoadGenerator load;
  private PrometheusServer prometheus;

  @BeforeAll
  void start(CtrlPlane plane, ApiClient api, Sql sql, AppConfig config) throws Exception {
    PrometheusServer.assumeInstalled();
    Vertx vertx = plane.vertx();
    this.api = api;
    rollouts = new Rollouts(api);
    receiver = WebhookReceiver.start(vertx);
    receiver.script("/down", n -> 500);
    subscribe("/ok", List.of("deploy.succeeded", "deploy.failed"));
    subscribe("/down", List.of("deploy.succeeded"));

    // rollouts on the simulator: one succeeds, one fails, one canary is judged by analysis
    JsonObject sim = Rollouts.SIM.copy().put("requests_per_second", 200);
    sim.getJsonArray("faults")
        .add(new JsonObject().put("image", "*:broken").put("fail_start", true));
    String app = rollouts.instance(2, sim);
    rollouts.awaitState(rollouts.deploy(app, "acme/app:1", "rolling", null), "succeeded", END);
    rollouts.awaitState(
        rollouts.deploy(
            app,
            "acme/app:broken",
            "rolling",
            new JsonObject().put("progress_deadline_seconds", 1)),
        "failed",
        END);
    JsonObject analysis =
        new JsonObject()
            .put("min_requests", 1)
            .put(
                "metrics",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("name", "errors")
                            .put("error_rate", new JsonObject().put("max", 0.5))
                            .put("interval_seconds", 1)));
    JsonObject canary =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 50))
                    .add(new JsonObject().put("analysis", analysis)));
    rollouts.awaitEnd(rollouts.deploy(app, "acme/app:2", "canary", canary), END);

    // a real process behind the agent's router, under load: replicas and router series
    int routerPort = TestStack.freePort();
    String proc = processInstance(routerPort);
    rollouts.awaitState(rollouts.deploy(proc, "demo:v1", "rolling", null), "succeeded", END);
    load = new LoadGenerator(vertx, "127.0.0.1", routerPort, 2);
    load.awaitMore(50);

    URI agent =
        URI.create(
            Await.result(
                    sql.pool()
                        .preparedQuery("SELECT api_url FROM agents WHERE id = $1")
                        .execute(Tuple.of("agent-ops")))
                .iterator()
                .next()
                .getString("api_url"));
    prometheus =
        PrometheusServer.scrapingJobs(
            "dashboard",
            Map.of(
                "ctrlplane",
                List.of("127.0.0.1:" + config.http().port()),
                "ctrlplane-agent",
                List.of(agent.getHost() + ":" + agent.getPort())));
  }

  @AfterAll
  void stop(CtrlPlane plane) throws Exception {
    if (load != null) {
      load.stop();
    }
    if (prometheus != null) {
      prometheus.close();
    }
    if (receiver != null) {
      receiver.close();
    }
    plane.stop();
    Await.until(
        Duration.ofSeconds(20),
        "no demo app process left",
        () -> DemoApps.running().isEmpty() ? true : null);
  }

  private void subscribe(String path, List<String> types) {
    ApiClient.Response r =
        api.post(
            "/v1/webhooks",
            new JsonObject()
                .put("url", receiver.url(path))
                .put("event_types", new JsonArray(types))
                .put("secret", "a-receiver-secret-0123456789"));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
  }

  private String processInstance(int routerPort) {
    JsonObject config =
        new JsonObject()
            .put("command", DemoApps.command("v1"))
            .put("health_path", "/health")
            .put("router_port", routerPort)
            .put("drain_timeout_ms", 2000)
            .put("grace_timeout_ms", 2000);
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "ops-process")
                .put("replicas", 1)
                .put("provider", "process")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  @Test
  @DisplayName("each Grafana panel query returns series")
  void dashboardQueriesReturnSeries() throws Exception {
    JsonObject dashboard =
        new JsonObject(Files.readString(Path.of("docs", "grafana", "ctrlplane.json")));
    Map<String, String> queries = new LinkedHashMap<>();
    collectPanelQueries(dashboard.getJsonArray("panels"), queries);
    assertThat(queries).as("panel queries").hasSizeGreaterThan(30);
    awaitAllReturnSeries(queries);
  }

  @Test
  @DisplayName("each alert expression evaluates, and its signals return series")
  void alertExpressionsEvaluate() throws Exception {
    Map<String, Object> rules =
        new Yaml().load(Files.readString(Path.of("docs", "prometheus", "alerts.yml")));
    Map<String, String> signals = new LinkedHashMap<>();
    List<String> whole = new ArrayList<>();
    for (Object g : (List<?>) rules.get("groups")) {
      for (Object o : (List<?>) ((Map<?, ?>) g).get("rules")) {
        Map<?, ?> rule = (Map<?, ?>) o;
        String name = String.valueOf(rule.get("alert"));
        String expr = String.valueOf(rule.get("expr"));
        whole.add(expr);
        List<String> parts = signals(expr);
        for (int i = 0; i < parts.size(); i++) {
          signals.put(name + " signal " + (i + 1) + ": " + parts.get(i), parts.get(i));
        }
      }
    }
    assertThat(whole).as("alert rules").hasSizeGreaterThanOrEqualTo(6);
    for (String expr : whole) {
      JsonObject answer = query(expr);
      assertThat(answer.getString("status"))
          .as("%s: %s", expr, answer.encode())
          .isEqualTo("success");
    }
    awaitAllReturnSeries(signals);
  }

  @Test
  @DisplayName("the signal split drops top-level comparisons and matching modifiers")
  void signalSplit() {
    assertThat(signals("max(a) > 0 and on() sum(b{x=\"1\"}) == 0"))
        .containsExactly("max(a)", "sum(b{x=\"1\"})");
    assertThat(signals("(sum(rate(a[5m])) or on() vector(0)) / sum(rate(b[5m])) > 0.05"))
        .containsExactly("(sum(rate(a[5m])) or on() vector(0)) / sum(rate(b[5m]))");
    assertThat(signals("up{job=\"x\"} == 0")).containsExactly("up{job=\"x\"}");
  }

  private static void collectPanelQueries(JsonArray panels, Map<String, String> into) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      if (panel.containsKey("panels")) {
        collectPanelQueries(panel.getJsonArray("panels"), into);
      }
      JsonArray targets = panel.getJsonArray("targets", new JsonArray());
      for (int i = 0; i < targets.size(); i++) {
        String expr = targets.getJsonObject(i).getString("expr");
        if (expr != null) {
          into.put(panel.getString("title") + " [" + i + "]: " + expr, expr);
        }
      }
    }
  }

  /** The parts of an alert expression that must return series (see the class comment). */
  static List<String> signals(String expr) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int from = 0;
    String flat = expr.replaceAll("\\s+", " ").trim();
    for (int i = 0; i < flat.length(); i++) {
      char c = flat.charAt(i);
      if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if (c == ')' || c == '}' || c == ']') {
        depth--;
      } else if (depth == 0 && c == ' ') {
        for (String op : new String[] {" and ", " or ", " unless "}) {
          if (flat.startsWith(op, i)) {
            parts.add(flat.substring(from, i));
            from = i + op.length();
            i = from - 1;
            break;
          }
        }
      }
    }
    parts.add(flat.substring(from));
    return parts.stream()
        .map(p -> LEADING_MATCHING.matcher(p).replaceFirst(""))
        .map(p -> TRAILING_COMPARISON.matcher(p).replaceFirst("").trim())
        .toList();
  }

  private JsonObject query(String expr) {
    String body =
        prometheus.get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    return body.isEmpty()
        ? new JsonObject().put("status", "error").put("error", "HTTP error (bad query?)")
        : new JsonObject(body);
  }

  /**
   * Polls every query until each returned series (Prometheus needs two scrapes for a rate), then
   * fails naming the ones that errored or stayed empty.
   */
  private void awaitAllReturnSeries(Map<String, String> queries) {
    Map<String, String> problems = new LinkedHashMap<>();
    try {
      Await.until(
          Duration.ofSeconds(60),
          "every query returns series",
          () -> {
            problems.clear();
            queries.forEach(
                (label, expr) -> {
                  JsonObject answer = query(expr);
                  if (!"success".equals(answer.getString("status"))) {
                    problems.put(label, "error: " + answer.getString("error"));
                  } else if (answer.getJsonObject("data").getJsonArray("result").isEmpty()) {
                    problems.put(label, "no series");
                  }
                });
            return problems.isEmpty() ? true : null;
          });
    } catch (AssertionError | RuntimeException e) {
      // fall through to the assertion that names them
    }
    assertThat(problems).as("queries that errored or returned nothing").isEmpty();
  }
}
