package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Lists page with cursors that neither skip nor repeat, while new items keep arriving")
class PaginationTest {
  private static final int EXISTING = 23;
  private static final int PAGE = 5;

  /**
   * Deployments stay queued behind one that never becomes ready, so lists only grow by our own
   * deploys.
   */
  private static final JsonObject STUCK =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 3_600_000);

  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(ApiClient client) {
    api = client.checked();
    rollouts = new Rollouts(api.raw());
  }

  private record Walk(List<String> ids, int pages, List<JsonObject> items) {}

  /** Follows next_cursor to the end; {@code betweenPages} runs after every page (new arrivals). */
  private Walk walk(String list, Runnable betweenPages) {
    List<String> ids = new ArrayList<>();
    List<JsonObject> items = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      ApiClient.Response page =
          api.get(list + "?limit=" + PAGE + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.status()).as(page.text()).isEqualTo(200);
      assertThat(page.json().getJsonArray("items").size()).isLessThanOrEqualTo(PAGE);
      page.json()
          .getJsonArray("items")
          .forEach(
              o -> {
                items.add((JsonObject) o);
                ids.add(((JsonObject) o).getString("id"));
              });
      cursor = page.json().getString("next_cursor");
      pages++;
      betweenPages.run();
    } while (cursor != null);
    return new Walk(ids, pages, items);
  }

  /**
   * A background deployer, so items also arrive while a page is being read, not only between pages.
   */
  private Thread deployer(String instanceId, AtomicBoolean stop, AtomicInteger made) {
    Thread t =
        new Thread(
            () -> {
              while (!stop.get()) {
                rollouts.deploy(
                    instanceId, "acme/app:bg" + made.incrementAndGet(), "rolling", null);
              }
            },
            "deployer");
    t.start();
    return t;
  }

  private void assertWalk(Walk walk, List<String> existing, Function<JsonObject, Long> key) {
    assertThat(new HashSet<>(walk.ids())).as("no item repeated").hasSize(walk.ids().size());
    assertThat(walk.ids()).as("no item that existed at the start skipped").containsAll(existing);
    List<Long> keys = walk.items().stream().map(key).toList();
    for (int i = 1; i < keys.size(); i++) {
      assertThat(keys.get(i)).as("newest first").isLessThan(keys.get(i - 1));
    }
  }

  @Test
  @DisplayName("releases and deployments, page by page, while deploys keep arriving")
  void releasesAndDeployments() throws Exception {
    String instanceId = rollouts.instance(1, STUCK);
    List<String> deployments = new ArrayList<>();
    for (int i = 1; i <= EXISTING; i++) {
      deployments.add(rollouts.deploy(instanceId, "acme/app:" + i, "rolling", null));
    }
    List<String> releases =
        deployments.stream().map(id -> Rollouts.releaseId(rollouts.deployment(id))).toList();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger made = new AtomicInteger();
    Thread background = deployer(instanceId, stop, made);
    Runnable arrive = () -> rollouts.deploy(instanceId, "acme/app:new", "rolling", null);
    try {
      Walk releaseWalk = walk("/v1/instances/" + instanceId + "/releases", arrive);
      Walk deploymentWalk = walk("/v1/instances/" + instanceId + "/deployments", arrive);
      assertWalk(releaseWalk, releases, r -> r.getLong("version"));
      assertWalk(deploymentWalk, deployments, d -> d.getJsonObject("release").getLong("version"));
      assertThat(releaseWalk.pages()).isGreaterThanOrEqualTo((EXISTING + PAGE - 1) / PAGE);
    } finally {
      stop.set(true);
      background.join(10_000);
    }
    assertThat(made.get()).as("deploys arrived during the walk").isPositive();
  }

  @Test
  @DisplayName(
      "the last page has next_cursor null, also when the list ends exactly at a page boundary")
  void lastPage() {
    String instanceId = rollouts.instance(1, STUCK);
    for (int i = 1; i <= 2 * PAGE; i++) {
      rollouts.deploy(instanceId, "acme/app:" + i, "rolling", null);
    }
    Walk walk = walk("/v1/instances/" + instanceId + "/releases", () -> {});
    assertThat(walk.ids()).hasSize(2 * PAGE);
    assertThat(walk.pages()).isEqualTo(2);
    ApiClient.Response all = api.get("/v1/instances/" + instanceId + "/releases?limit=100");
    assertThat(all.json().getValue("next_cursor")).isNull();
    String empty = rollouts.instance(1, STUCK);
    ApiClient.Response none = api.get("/v1/instances/" + empty + "/deployments");
    assertThat(none.json().getJsonArray("items")).isEmpty();
    assertThat(none.json().getValue("next_cursor")).isNull();
  }

  @Test
  @DisplayName("instances, page by page, while instances are being created")
  void instances() {
    List<String> existing = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      existing.add(rollouts.instance(1, STUCK));
    }
    Walk walk = walk("/v1/instances", () -> rollouts.instance(1, STUCK));
    assertThat(new HashSet<>(walk.ids())).hasSize(walk.ids().size());
    assertThat(walk.ids()).containsAll(existing);
    for (int i = 1; i < walk.ids().size(); i++) {
      assertThat(walk.ids().get(i))
          .as("newest first (ids are time-ordered)")
          .isLessThan(walk.ids().get(i - 1));
    }
  }
}
