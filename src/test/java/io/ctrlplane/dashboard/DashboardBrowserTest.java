package io.ctrlplane.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.Scope;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Keys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard in a real headless Chromium against the real service (PostgreSQL, Kafka, runner,
 * relay): a person enters a key, sees the instance, watches a canary started through the API move,
 * pass its analysis (charted per metric: value and limit over time) and pause without reloading,
 * promotes it through the confirmation dialog with the keyboard, and sees it succeed. The browser
 * side is src/test/browser/dashboard.spec.mjs (playwright-core driving /usr/bin/chromium). Where
 * node, chromium or the npm packages are missing it is skipped with what to install, except in CI
 * (CI=true), where .ci/run installs them and a missing tool is a failure.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the roles start in start() only when the browser tools are there to use them
@CtrlPlaneServer(roles = "")
@DisplayName("The dashboard in a headless browser")
class DashboardBrowserTest {
  private static final Path OUT = Path.of("target", "browser");
  private static final Path SCREENSHOT = OUT.resolve("dashboard.png").toAbsolutePath();
  private ApiClient admin;
  private AppConfig config;
  private List<String> missing;

  @BeforeAll
  void start(CtrlPlane plane) {
    missing = BrowserScript.missingTools();
    if (!missing.isEmpty() && !"true".equals(System.getenv("CI"))) {
      return; // the test reports itself skipped, with what to install
    }
    assertThat(missing).as("tools of the browser test (.ci/run installs them)").isEmpty();
    config = plane.config();
    plane.startServer(AppConfig.from(plane.json().put("roles", "api,runner,relay")));
    admin = plane.api();
  }

  @Test
  @DisplayName(
      "shows a canary live, promotes it after confirmation, shows it succeed without a reload, rolls back")
  void canaryPromotedFromTheDashboard() throws Exception {
    Assumptions.assumeTrue(
        missing.isEmpty(),
        () ->
            "browser test skipped, missing: "
                + String.join("; ", missing)
                + " (.ci/run installs them)");
    Deploys deploys = new Deploys(admin);
    String instanceId = deploys.instance("storefront", 200);
    deploys.awaitState(
        deploys.deploy(instanceId, "ghcr.io/acme/storefront:1.0.0", null), "succeeded");
    String viewerKey =
        Keys.viaApi(admin, "dashboard-user", Scope.READ, Scope.DEPLOY).getString("key");
    ApiClient ci =
        admin.as(Keys.viaApi(admin, "ci-deployer", Scope.DEPLOY, Scope.READ).getString("key"));
    Files.deleteIfExists(SCREENSHOT);
    Files.deleteIfExists(OUT.resolve("dashboard-failure.png"));

    try (BrowserScript browser =
        BrowserScript.start(
            "dashboard.spec.mjs",
            OUT.toAbsolutePath(),
            "http://127.0.0.1:" + config.http().port(),
            viewerKey,
            SCREENSHOT.toString(),
            "storefront")) {
      browser.awaitLine("READY", Duration.ofSeconds(60));
      ApiClient.Response canary =
          ci.post(
              "/v1/instances/" + instanceId + "/deployments",
              new JsonObject()
                  .put("image", "ghcr.io/acme/storefront:1.1.0")
                  .put("strategy", "canary")
                  .put(
                      "strategy_params",
                      new JsonObject()
                          .put(
                              "steps",
                              new JsonArray()
                                  .add(new JsonObject().put("set_weight", 25))
                                  // measured twice, 1 s apart: the page charts it
                                  .add(
                                      new JsonObject()
                                          .put(
                                              "analysis",
                                              new JsonObject()
                                                  .put("min_requests", 10)
                                                  .put(
                                                      "metrics",
                                                      new JsonArray()
                                                          .add(
                                                              new JsonObject()
                                                                  .put("name", "errors")
                                                                  .put(
                                                                      "error_rate",
                                                                      new JsonObject()
                                                                          .put("max", 0.05))
                                                                  .put("interval_seconds", 1)
                                                                  .put("count", 2)))))
                                  .add(new JsonObject().put("pause", new JsonObject()))
                                  .add(new JsonObject().put("set_weight", 100)))));
      assertThat(canary.status()).as(canary.text()).isEqualTo(202);
      String deploymentId = canary.json().getString("id");
      browser.send("DEPLOYMENT " + deploymentId);

      browser.awaitLine("STEP promote confirmed", Duration.ofSeconds(60));
      JsonObject promoted = deploys.awaitState(deploymentId, "succeeded");
      assertThat(promoted.getJsonObject("progress").getJsonObject("traffic").getInteger("new"))
          .isEqualTo(100);
      browser.awaitLine("OK", Duration.ofSeconds(60));
      int exit = browser.awaitExit(Duration.ofSeconds(30));
      browser
          .output()
          .forEach(line -> System.out.println("browser: " + line)); // in the surefire report
      assertThat(exit)
          .as("browser script exit; output %s; errors %s", browser.output(), browser.errorsText())
          .isZero();
      assertThat(browser.output())
          .anySatisfy(
              line -> assertThat(line).startsWith("STEP live progress: Step").contains("(paused)"));
      assertThat(browser.output()).anySatisfy(line -> assertThat(line).contains("25% to v2"));
      assertThat(browser.output())
          .anySatisfy(
              line ->
                  assertThat(line)
                      .startsWith("STEP analysis chart: errors: error_rate <= 0.05")
                      .contains("2 measurements (2 successful)")
                      .contains("limit 0.050"));
      assertThat(browser.output())
          .anySatisfy(line -> assertThat(line).startsWith("STEP rolled back to v1 as v3"));
    }
    JsonObject instance = admin.get("/v1/instances/" + instanceId).json();
    assertThat(instance.getJsonObject("current_release").getInteger("version"))
        .as("rolled back from the page")
        .isEqualTo(3);
    JsonObject v3 =
        admin
            .get("/v1/instances/" + instanceId + "/releases?limit=1")
            .json()
            .getJsonArray("items")
            .getJsonObject(0);
    assertThat(v3.getJsonObject("rollback_of").getInteger("version")).isEqualTo(1);
    byte[] png = Files.readAllBytes(SCREENSHOT);
    assertThat(png.length).as("screenshot size").isGreaterThan(10_000);
    assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    assertThat(admin.get("/v1/audit?limit=100").text())
        .as("the promote came from the dashboard's key")
        .contains("deployment.promote")
        .contains("dashboard-user");
  }
}
