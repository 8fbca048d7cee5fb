package io.ctrlplane.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.TestStack;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Ctrl Plane process (api, runner, relay) started the way an operator would, with {@code
 * CTRLPLANE_LOG_FORMAT=json} and {@code CTRLPLANE_OTEL_EXPORTER_OTLP_ENDPOINT} pointing at an OTLP
 * collector stand-in on loopback (a Vert.x HTTP server decoding OTLP/HTTP protobuf). One deploy
 * through its API must leave JSON log lines carrying the deployment's ids from the API, the runner
 * and the relay, and exactly one trace spanning all three.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(roles = "")
@DisplayName("JSON logs and OpenTelemetry traces follow one deploy through API, runner and relay")
class LogsAndTracesTest {
  private static final Pattern TEXT_LOG_LINE =
      Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+ +(TRACE|DEBUG|INFO|WARN|ERROR) ");
  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private HttpServer collector;
  private ChildProcess server;
  private String deploymentId;
  private String instanceId;

  @BeforeAll
  void start(CtrlPlane plane, AppConfig config) {
    Vertx vertx = plane.vertx();
    collector =
        Await.result(
            vertx
                .createHttpServer()
                .requestHandler(
                    req ->
                        req.body()
                            .onSuccess(
                                body -> {
                                  collect(body);
                                  req.response()
                                      .putHeader("content-type", "application/x-protobuf")
                                      .end(Buffer.buffer());
                                }))
                .listen(0, "127.0.0.1"));
    int port = TestStack.freePort();
    server =
        ChildProcess.serve(
                "logs-and-traces",
                "api,runner,relay",
                config,
                Map.of(
                    "CTRLPLANE_HTTP_PORT",
                    String.valueOf(port),
                    "CTRLPLANE_AUTH_ENABLED",
                    "true",
                    "CTRLPLANE_BOOTSTRAP_API_KEY",
                    TestStack.BOOTSTRAP_KEY,
                    "CTRLPLANE_ENCRYPTION_KEY",
                    TestStack.ENCRYPTION_KEY,
                    "CTRLPLANE_RUNNER_POLL_MS",
                    "250",
                    "CTRLPLANE_LOG_FORMAT",
                    "json",
                    "CTRLPLANE_OTEL_EXPORTER_OTLP_ENDPOINT",
                    "http://127.0.0.1:" + collector.actualPort()))
            .awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
    ApiClient api = plane.client(port);
    Deploys deploys = new Deploys(api);
    instanceId = deploys.instance("traced", 0);
    deploymentId = deploys.deploy(instanceId, "registry.example.com/acme/app:1", null);
    deploys.awaitState(deploymentId, "succeeded");
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.terminate(Duration.ofSeconds(15));
    }
    if (collector != null) {
      Await.result(collector.close());
    }
  }

  private void collect(Buffer body) {
    try {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.getBytes());
      for (ResourceSpans rs : request.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          spans.addAll(ss.getSpansList());
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("not an OTLP trace export", e);
    }
  }

  private static String attribute(Span span, String key) {
    return span.getAttributesList().stream()
        .filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue)
        .map(v -> v.getStringValue())
        .findFirst()
        .orElse(null);
  }

  private static String traceId(Span span) {
    return HexFormat.of().formatHex(span.getTraceId().toByteArray());
  }

  @Test
  @DisplayName(
      "every log line is JSON, and the deploy's lines carry its ids from API, runner and relay")
  void jsonLines() {
    List<JsonObject> lines =
        Await.until(
            Duration.ofSeconds(30),
            "the relay's line for deploy.succeeded of " + deploymentId,
            () -> {
              List<JsonObject> parsed = parse(server.output());
              boolean relayed =
                  parsed.stream()
                      .anyMatch(
                          l ->
                              "relay".equals(mdc(l, "role"))
                                  && deploymentId.equals(mdc(l, "deployment_id"))
                                  && l.getString("formattedMessage", "")
                                      .contains("deploy.succeeded"));
              return relayed ? parsed : null;
            });
    assertThat(lines).allSatisfy(l -> assertThat(l.getString("level")).isNotBlank());

    List<JsonObject> mine =
        lines.stream().filter(l -> deploymentId.equals(mdc(l, "deployment_id"))).toList();
    assertThat(mine.stream().map(l -> mdc(l, "role")).collect(Collectors.toSet()))
        .as("roles that logged about %s", deploymentId)
        .containsAll(Set.of("api", "runner", "relay"));
    JsonObject api =
        mine.stream().filter(l -> "api".equals(mdc(l, "role"))).findFirst().orElseThrow();
    assertThat(mdc(api, "request_id")).startsWith("req_");
    assertThat(mdc(api, "tenant")).isEqualTo("default");
    assertThat(mdc(api, "instance_id")).isEqualTo(instanceId);
    assertThat(mine)
        .filteredOn(l -> "runner".equals(mdc(l, "role")))
        .allSatisfy(
            l -> {
              assertThat(mdc(l, "instance_id")).isEqualTo(instanceId);
              assertThat(l.getString("formattedMessage")).contains(deploymentId);
            });
    assertThat(mine)
        .filteredOn(l -> "runner".equals(mdc(l, "role")))
        .anySatisfy(l -> assertThat(mdc(l, "tenant")).isEqualTo("default"));
    assertThat(mine)
        .filteredOn(l -> "relay".equals(mdc(l, "role")))
        .extracting(l -> l.getString("formattedMessage"))
        .anySatisfy(m -> assertThat(m).contains("deploy.queued"))
        .anySatisfy(m -> assertThat(m).contains("deploy.succeeded"));
  }

  /** Every line the process wrote: JSON where it is a log line, and none in the text format. */
  private static List<JsonObject> parse(String output) {
    return output
        .lines()
        .filter(l -> !l.isBlank())
        .peek(
            l ->
                assertThat(TEXT_LOG_LINE.matcher(l).find())
                    .as("a text log line in JSON mode: %s", l)
                    .isFalse())
        .filter(l -> l.startsWith("{"))
        .map(
            l -> {
              try {
                return new JsonObject(l);
              } catch (DecodeException e) {
                throw new AssertionError("not a JSON line: " + l, e);
              }
            })
        .toList();
  }

  private static String mdc(JsonObject line, String key) {
    JsonObject mdc = line.getJsonObject("mdc");
    return mdc == null ? null : mdc.getString(key);
  }

  @Test
  @DisplayName(
      "one trace spans the deploy request, its transaction, the runner's steps and the relay")
  void oneTrace() {
    List<Span> published =
        Await.until(
            Duration.ofSeconds(30),
            "relay spans of " + deploymentId,
            () -> {
              List<Span> relay =
                  spans.stream()
                      .filter(s -> s.getName().equals("relay publish deploy.succeeded"))
                      .filter(s -> deploymentId.equals(attribute(s, "ctrlplane.deployment_id")))
                      .toList();
              return relay.isEmpty() ? null : relay;
            });
    List<Span> about =
        spans.stream()
            .filter(s -> deploymentId.equals(attribute(s, "ctrlplane.deployment_id")))
            .toList();
    Set<String> traces = about.stream().map(LogsAndTracesTest::traceId).collect(Collectors.toSet());
    assertThat(traces).as("traces of the deployment's runner and relay spans").hasSize(1);
    String trace = traces.iterator().next();
    assertThat(published).isNotEmpty();

    List<Span> all = spans.stream().filter(s -> traceId(s).equals(trace)).toList();
    assertThat(all)
        .as("the deploy request's HTTP server span")
        .anySatisfy(
            s -> {
              assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
              assertThat(s.getName()).contains("POST");
            });
    assertThat(all)
        .as("its transaction")
        .anySatisfy(s -> assertThat(s.getName()).startsWith("transaction "));
    assertThat(all)
        .as("the runner's steps")
        .anySatisfy(s -> assertThat(s.getName()).startsWith("runner step "));
    assertThat(all)
        .as("the relay's publishes")
        .anySatisfy(s -> assertThat(s.getName()).isEqualTo("relay publish deploy.queued"))
        .anySatisfy(s -> assertThat(s.getName()).isEqualTo("relay publish deploy.succeeded"));
  }
}
