package io.ctrlplane.soak;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The soak's users: for each instance in turn, look at its latest deployment; while one runs,
 * sometimes cancel, pause, resume or promote it; once none runs, usually deploy a new image
 * (rolling, canary with a timed and a promote-only pause, blue-green; now and then an image that
 * never gets ready), sometimes roll back. Every command and its answer is counted.
 */
final class Workload implements Runnable {
  static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled", "rolled_back");

  record Inst(String id, boolean process) {}

  private final Api api;
  private final int sims;
  private final int procs;
  private final Random random = new Random(21);
  final List<Inst> instances = new ArrayList<>();
  final Map<String, AtomicInteger> sent = new TreeMap<>();
  final Map<String, AtomicInteger> accepted = new TreeMap<>();
  private volatile boolean stopped;
  private int images;

  Workload(Api api, int sims, int procs) {
    this.api = api;
    this.sims = sims;
    this.procs = procs;
  }

  void createInstances() throws IOException {
    JsonObject sim =
        new JsonObject()
            .put("start_delay_ms", 200)
            .put("ready_delay_ms", 400)
            .put(
                "faults",
                new JsonArray()
                    .add(new JsonObject().put("image", "*:bad*").put("never_ready", true)));
    for (int i = 0; i < sims; i++) {
      create(
          new JsonObject()
              .put("name", "soak-sim-" + i)
              .put("replicas", 3)
              .put("provider_config", sim),
          false);
    }
    for (int i = 0; i < procs; i++) {
      int routerPort;
      try (ServerSocket s = new ServerSocket(0)) {
        routerPort = s.getLocalPort();
      }
      create(
          new JsonObject()
              .put("name", "soak-proc-" + i)
              .put("replicas", 2)
              .put("provider", "process")
              .put(
                  "provider_config",
                  new JsonObject()
                      .put("command", Soak.demoCommand())
                      .put("router_port", routerPort)
                      .put("drain_timeout_ms", 1000)
                      .put("grace_timeout_ms", 2000)),
          true);
    }
  }

  private void create(JsonObject body, boolean process) {
    Api.Answer a = api.post("/v1/instances", body);
    if (a.status() != 201) {
      throw new IllegalStateException("instance not created: " + a.status() + " " + a.json());
    }
    instances.add(new Inst(a.json().getString("id"), process));
  }

  @Override
  public void run() {
    while (!stopped) {
      for (Inst inst : instances) {
        if (stopped) {
          return;
        }
        step(inst);
        Soak.sleep(60);
      }
    }
  }

  void stop() {
    stopped = true;
  }

  private void step(Inst inst) {
    Api.Answer list = api.get("/v1/instances/" + inst.id() + "/deployments?limit=1");
    if (list.status() != 200) {
      return;
    }
    JsonArray items = list.json().getJsonArray("items");
    JsonObject latest = items.isEmpty() ? null : items.getJsonObject(0);
    double r = random.nextDouble();
    if (latest != null && !TERMINAL.contains(latest.getString("state"))) {
      String id = latest.getString("id");
      JsonObject progress = latest.getJsonObject("progress", new JsonObject());
      boolean paused = "paused".equals(progress.getString("phase"));
      if (r < 0.05) {
        command("cancel", "/v1/deployments/" + id + "/cancel", new JsonObject());
      } else if (r < 0.12 && !paused) {
        command("pause", "/v1/deployments/" + id + "/pause", new JsonObject());
      } else if (r < 0.30 && paused) {
        command("resume", "/v1/deployments/" + id + "/resume", new JsonObject());
      } else if (r < 0.40) {
        command(
            "promote",
            "/v1/deployments/" + id + "/promote",
            new JsonObject().put("full", random.nextBoolean()));
      }
      return;
    }
    if (r < 0.15 && latest != null) {
      Api.Answer instance = api.get("/v1/instances/" + inst.id());
      JsonObject current =
          instance.status() == 200 ? instance.json().getJsonObject("current_release") : null;
      if (current != null && current.getInteger("version") > 1) {
        command(
            "rollback",
            "/v1/instances/" + inst.id() + "/rollback",
            new JsonObject().put("version", current.getInteger("version") - 1));
      }
      return;
    }
    if (r < 0.85) {
      command("deploy", "/v1/instances/" + inst.id() + "/deployments", deployBody(inst));
    }
  }

  private JsonObject deployBody(Inst inst) {
    int n = ++images;
    String image;
    if (inst.process()) {
      image = "demo:v" + (1 + n % 4);
    } else {
      image = random.nextInt(10) == 0 ? "acme/app:bad-" + n : "acme/app:" + n;
    }
    JsonObject params = new JsonObject().put("progress_deadline_seconds", 15);
    String strategy;
    int pick = random.nextInt(inst.process() ? 2 : 3);
    if (pick == 0) {
      strategy = "rolling";
    } else if (pick == 1) {
      strategy = "canary";
      params.put(
          "steps",
          new JsonArray()
              .add(new JsonObject().put("set_weight", 30))
              .add(new JsonObject().put("pause", new JsonObject().put("seconds", 2)))
              .add(new JsonObject().put("set_weight", 60))
              .add(new JsonObject().put("pause", new JsonObject())));
    } else {
      strategy = "blue-green";
    }
    return new JsonObject()
        .put("image", image)
        .put("strategy", strategy)
        .put("strategy_params", params);
  }

  private void command(String kind, String path, JsonObject body) {
    sent.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    Api.Answer a = api.post(path, body);
    if (a.status() / 100 == 2) {
      accepted.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  String summary() {
    return "sent " + sent + ", accepted " + accepted;
  }
}
