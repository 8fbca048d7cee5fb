package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.Authenticator;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.watch.WatchHub;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.pgclient.PgConnectOptions;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dashboard's static files through the real API router (no database needed: nothing here
 * reaches a store): served without a key, with their content types and security headers, while /v1
 * still wants one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("The API router serves the dashboard as public static files")
class DashboardServingTest {
  private Vertx vertx;
  private HttpServer server;
  private ApiClient anonymous;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    ApiContract contract = Await.result(ApiContract.load(vertx));
    var router =
        ApiRouter.create(
            vertx,
            contract,
            new HealthRoutes(vertx, null, null),
            new ApiRouter.Security(
                new Authenticator(null, AppConfig.Security.defaults()),
                null,
                RefusalAudit.disabled()),
            new WatchHub(
                vertx,
                new PgConnectOptions(),
                15_000,
                1000,
                keys -> Future.succeededFuture(Set.of())));
    server = Await.result(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    anonymous = new ApiClient(vertx, server.actualPort()).as(ApiClient.NO_KEY);
  }

  @AfterAll
  void stop() {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("/ is the dashboard page, without a key, and its page holds no data")
  void rootIsThePage() {
    ApiClient.Response r = anonymous.get("/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("text/html");
    assertThat(r.text())
        .contains("<title>Ctrl Plane</title>", "src=\"/ui/js/app.js\"", "type=\"module\"")
        .doesNotContain("inst_", "cp_");
    assertThat(r.text())
        .as("no inline script: the CSP allows none")
        .doesNotContainPattern("<script(?![^>]*src=)");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "/ui/index.html, text/html",
    "/ui/style.css, text/css",
    "/ui/js/app.js, text/javascript",
    "/ui/js/sse.js, text/javascript",
    "/ui/favicon.svg, image/svg+xml"
  })
  @DisplayName("assets come with their content type and the security headers")
  void assets(String path, String type) {
    ApiClient.Response r = anonymous.get(path);
    assertThat(r.status()).as(path).isEqualTo(200);
    String expected =
        type.equals("text/javascript") ? "(text|application)/javascript" : Pattern.quote(type);
    assertThat(r.contentType()).as(path).matches(expected + "(;.*)?");
    assertSecurityHeaders(r);
  }

  @Test
  @DisplayName(
      "the policy allows scripts, styles and fetches from this origin only, and no framing")
  void securityHeadersOfThePage() {
    ApiClient.Response r = anonymous.get("/");
    assertSecurityHeaders(r);
    String csp = r.header("Content-Security-Policy");
    assertThat(csp)
        .contains(
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'")
        .doesNotContain("unsafe-inline", "unsafe-eval", "*");
  }

  @Test
  @DisplayName("an unchanged asset is revalidated with a 304")
  void revalidation() {
    ApiClient.Response first = anonymous.get("/ui/style.css");
    String lastModified = first.header("Last-Modified");
    assertThat(lastModified).isNotBlank();
    ApiClient.Response again =
        anonymous.send(
            HttpMethod.GET, "/ui/style.css", null, Map.of("If-Modified-Since", lastModified));
    assertThat(again.status()).isEqualTo(304);
  }

  @Test
  @DisplayName("a missing asset, a directory or a path outside the web root is a problem+json 404")
  void missing() {
    for (String path :
        new String[] {
          "/ui/nope.js", "/ui/js/", "/ui/../openapi.yaml.bak", "/ui/%2e%2e/conf/config.json"
        }) {
      ApiClient.Response r = anonymous.get(path);
      assertThat(r.status()).as(path).isEqualTo(404);
      assertThat(r.contentType()).as(path).startsWith("application/problem+json");
    }
    assertThat(anonymous.post("/", "{}", Map.of("content-type", "application/json")).status())
        .as("the dashboard takes no POST")
        .isEqualTo(404);
  }

  @Test
  @DisplayName("/v1 still needs a key: the dashboard opens nothing of the API")
  void apiStillNeedsAKey() {
    ApiClient.Response r = anonymous.get("/v1/instances");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(r.header("Content-Security-Policy"))
        .as("API responses are not dashboard files")
        .isNull();
  }

  private static void assertSecurityHeaders(ApiClient.Response r) {
    assertThat(r.header("Content-Security-Policy"))
        .isEqualTo(io.ctrlplane.dashboard.DashboardRoutes.CSP);
    assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
    assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
  }
}
