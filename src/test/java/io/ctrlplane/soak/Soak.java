package io.ctrlplane.soak;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.Migrations;
import io.ctrlplane.dev.EmbeddedDatabase;
import io.ctrlplane.testing.Agents;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.DemoApps;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The soak: a whole Ctrl Plane as separate processes (API, two runners, two relays, the webhook
 * dispatcher, two agents; PostgreSQL and a Kafka broker of their own) under a workload of deploys,
 * rollbacks, cancels, pauses, resumes and promotes across simulator and process instances, while a
 * fault schedule kills and restarts every kind of part in turn. Then the {@link Ledger} checks what
 * must hold, and one table is printed. Exit status 1 on any violation.
 *
 * <p>{@code Soak --minutes M [--rounds R] [--sim N] [--proc N] [--out file.md]}: R rounds of the
 * six fault kinds spread over M minutes (default: one round per 90 s, at least one).
 */
public final class Soak {
  static final String KEY = "soak-bootstrap-admin-key-0123456789abcdef";
  static final List<String> KINDS =
      List.of("runner", "relay", "agent", "webhooks", "kafka", "postgres");

  private final Path dir;
  private final Map<String, String> opts;
  private EmbeddedDatabase pg;
  private int pgPort;
  private int kafkaPort;
  private Process broker;
  private int brokerGen;
  private AppConfig config;
  private final Map<String, List<Slot>> slots = new LinkedHashMap<>();
  final Map<String, List<Long>> recoveries = new LinkedHashMap<>();
  private Workload workload;
  private WebhookReceiver receiver;

  /** One role process the soak can kill and start again. */
  final class Slot {
    final String name;
    final String roles;
    final Map<String, String> env;
    ChildProcess process;
    int gen;

    Slot(String name, String roles, Map<String, String> env) {
      this.name = name;
      this.roles = roles;
      this.env = env;
    }

    /**
     * Starts the part like a process supervisor would (systemd's Restart=on-failure): a process
     * that exits while starting, e.g. because PostgreSQL is down just then (the migration check
     * fails and the process exits 2), is started again, up to 5 times.
     */
    void start() {
      for (int attempt = 1; ; attempt++) {
        process = ChildProcess.serve(name + "-" + gen++, roles, config, env);
        try {
          // JVM start on a loaded 2-core machine: minutes at worst
          process.awaitOutput("Ctrl Plane is up", Duration.ofMinutes(5));
          return;
        } catch (AssertionError e) {
          if (process.isAlive() || attempt == 5) {
            throw e;
          }
          log(name + " exited while starting (attempt " + attempt + "), starting it again");
          sleep(1000);
        }
      }
    }
  }

  private Soak(Path dir, Map<String, String> opts) {
    this.dir = dir;
    this.opts = opts;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Path dir = Path.of("target", "soak").toAbsolutePath();
    deleteTree(dir);
    Files.createDirectories(dir);
    Soak soak = new Soak(dir, opts);
    int violations = -1;
    try {
      violations = soak.run();
    } catch (Throwable t) {
      log("soak aborted: " + t);
      t.printStackTrace();
    } finally {
      soak.shutdown();
    }
    // non-daemon threads (the webhook endpoint's pool) must not keep the JVM alive
    System.exit(violations == 0 ? 0 : violations > 0 ? 1 : 2);
  }

  private int run() throws Exception {
    double minutes = Double.parseDouble(opts.getOrDefault("minutes", "1.5"));
    int rounds =
        Integer.parseInt(
            opts.getOrDefault("rounds", String.valueOf(Math.max(1, (int) (minutes * 60 / 90)))));
    log("soak: " + minutes + " min, " + rounds + " round(s) of " + KINDS + ", work in " + dir);
    pg = EmbeddedDatabase.start(dir.resolve("postgres"), 0);
    pgPort = pg.port();
    pg.createDatabase("soak", null);
    kafkaPort = freePort();
    startBroker();
    receiver = WebhookReceiver.start();
    config = AppConfig.from(configJson());
    Migrations.migrateBlocking(config.postgres());
    for (Path agentDir : List.of(agentDir("soak-agent-1"), agentDir("soak-agent-2"))) {
      deleteTree(agentDir);
    }
    Map<String, String> common = commonEnv();
    int apiPort = freePort();
    Map<String, String> apiEnv = new HashMap<>(common);
    apiEnv.put("CTRLPLANE_HTTP_PORT", String.valueOf(apiPort));
    slot("api", "api", apiEnv, 1);
    slot("runner", "runner", common, 2);
    slot("relay", "relay", common, 2);
    slot("webhooks", "webhooks", common, 1);
    List<Slot> agents = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      Map<String, String> env = new HashMap<>(common);
      env.putAll(Agents.env("soak-agent-" + i, "127.0.0." + i));
      Slot s = new Slot("agent-" + i, "agent", env);
      agents.add(s);
    }
    slots.put("agent", agents);
    for (List<Slot> list : slots.values()) {
      for (Slot s : list) {
        s.start();
      }
    }
    log("stack up: API on " + apiPort);
    Api api = new Api("http://127.0.0.1:" + apiPort, KEY);
    Api.Answer hook = api.post("/v1/webhooks", new JsonObject().put("url", receiver.url()));
    if (hook.status() != 201) {
      throw new IllegalStateException(
          "webhook not registered: " + hook.status() + " " + hook.json());
    }
    workload =
        new Workload(
            api,
            Integer.parseInt(opts.getOrDefault("sim", "8")),
            Integer.parseInt(opts.getOrDefault("proc", "2")));
    workload.createInstances();
    Thread work = new Thread(workload, "soak-workload");
    work.start();

    long total = (long) (minutes * 60_000);
    long faults = (long) rounds * KINDS.size();
    long interval = total / (faults + 1);
    long startedAt = System.currentTimeMillis();
    for (int i = 0; i < faults; i++) {
      long due = startedAt + (i + 1) * interval;
      sleepUntil(due);
      String kind = KINDS.get(i % KINDS.size());
      log(String.format("fault %d/%d: %s", i + 1, faults, kind));
      inject(kind, i / KINDS.size(), api);
    }
    sleepUntil(startedAt + total);
    workload.stop();
    work.join();
    for (Thread t : restarts.values()) {
      t.join();
    }
    log("workload stopped: " + workload.summary());

    Ledger ledger =
        new Ledger(
            this::jdbc,
            api,
            "localhost:" + kafkaPort,
            config.kafka().topic(),
            workload,
            receiver,
            recoveries,
            unrecovered,
            Integer.parseInt(opts.getOrDefault("sim", "8"))
                + Integer.parseInt(opts.getOrDefault("proc", "2")));
    ledger.settle();
    int violations = ledger.check();
    String table = ledger.table(minutes);
    System.out.println(table);
    if (opts.containsKey("out")) {
      Files.writeString(Path.of(opts.get("out")), table);
    }
    return violations;
  }

  private void slot(String kind, String roles, Map<String, String> env, int n) {
    List<Slot> list = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      list.add(new Slot(kind + "-" + i, roles, env));
    }
    slots.put(kind, list);
  }

  /**
   * Restarts still under way, by the part they restart: a part is not hit again before it is up.
   */
  private final Map<Object, Thread> restarts = new HashMap<>();

  /**
   * Kills one part at once and restarts it in the background, so the schedule keeps its pace on a
   * slow machine; the recovery (from the kill until the part did its job again) is recorded when it
   * is over. A part whose previous restart is still under way is waited for first.
   */
  private void inject(String kind, int round, Api api) throws Exception {
    Object part =
        switch (kind) {
          case "kafka", "postgres" -> kind;
          default -> slots.get(kind).get(round % slots.get(kind).size());
        };
    Thread previous = restarts.get(part);
    if (previous != null) {
      previous.join();
    }
    long t0 = System.currentTimeMillis();
    Runnable recover;
    switch (kind) {
      case "kafka" -> {
        broker.destroyForcibly();
        broker.waitFor(30, TimeUnit.SECONDS);
        recover =
            () -> {
              startBroker();
              long up = System.currentTimeMillis();
              awaitCondition(Duration.ofMinutes(5), () -> backlogBefore(up) == 0);
            };
      }
      case "postgres" -> {
        pg.close();
        recover =
            () -> {
              pg = startPg();
              awaitCondition(
                  Duration.ofMinutes(3), () -> api.get("/v1/instances?limit=1").status() == 200);
            };
      }
      default -> {
        Slot s = (Slot) part;
        s.process.kill();
        recover =
            () -> {
              s.start();
              if (kind.equals("relay")) {
                awaitCondition(Duration.ofMinutes(5), () -> backlogBefore(t0) == 0);
              }
            };
      }
    }
    Thread t =
        new Thread(
            () -> {
              try {
                recover.run();
                long ms = System.currentTimeMillis() - t0;
                synchronized (recoveries) {
                  recoveries.computeIfAbsent(kind, k -> new ArrayList<>()).add(ms);
                }
                log(String.format("%s (round %d) recovered in %d ms", kind, round + 1, ms));
              } catch (RuntimeException | AssertionError e) {
                log(kind + " did not recover: " + e);
                synchronized (recoveries) {
                  unrecovered.add(kind + " round " + (round + 1) + ": " + e.getMessage());
                }
              }
            },
            "soak-recover-" + kind);
    restarts.put(part, t);
    t.start();
  }

  final List<String> unrecovered = new ArrayList<>();

  private EmbeddedDatabase startPg() {
    try {
      return EmbeddedDatabase.start(dir.resolve("postgres"), pgPort);
    } catch (Exception e) {
      throw new IllegalStateException("postgres did not start again: " + e, e);
    }
  }

  /** Outbox events created before {@code epochMs} not yet published (-1 when unreadable). */
  private long backlogBefore(long epochMs) {
    try (Connection c = jdbc();
        var s =
            c.prepareStatement(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                    + "AND created_at < to_timestamp(? / 1000.0)")) {
      s.setLong(1, epochMs);
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (Exception e) {
      return -1;
    }
  }

  Connection jdbc() throws java.sql.SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + pgPort + "/soak", EmbeddedDatabase.USER, "");
  }

  private void startBroker() {
    try {
      startBrokerProcess();
    } catch (IOException e) {
      throw new IllegalStateException("broker did not start: " + e, e);
    }
  }

  private void startBrokerProcess() throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path out = dir.resolve("broker-" + brokerGen++ + ".log");
    broker =
        new ProcessBuilder(
                java.toString(),
                "-Xmx384m",
                "-cp",
                System.getProperty("java.class.path"),
                SoakBroker.class.getName(),
                dir.resolve("kafka").toString(),
                String.valueOf(kafkaPort))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    awaitCondition(
        Duration.ofMinutes(5),
        () -> {
          try {
            return Files.readString(out).contains("broker up");
          } catch (IOException e) {
            return false;
          }
        });
  }

  private JsonObject configJson() throws IOException {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf", "config.json")));
    json.getJsonObject("postgres")
        .put("url", "postgresql://localhost:" + pgPort + "/soak")
        .put("user", EmbeddedDatabase.USER)
        .put("password", "")
        .put("pool_size", 4);
    json.getJsonObject("kafka")
        .put("bootstrap_servers", "localhost:" + kafkaPort)
        .put("topic", "ctrlplane.soak.events");
    json.getJsonObject("relay").put("poll_ms", 500);
    return json;
  }

  private Map<String, String> commonEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("CTRLPLANE_BOOTSTRAP_API_KEY", KEY);
    env.put("CTRLPLANE_ENCRYPTION_KEY", TestStack.ENCRYPTION_KEY);
    env.put("CTRLPLANE_AGENT_TOKEN", Agents.TOKEN);
    env.put("CTRLPLANE_RUNNER_LEASE_SECONDS", "5");
    env.put("CTRLPLANE_RUNNER_POLL_MS", "500");
    env.put("CTRLPLANE_API_RATE_LIMIT_ENABLED", "false");
    env.put("CTRLPLANE_WEBHOOKS_INITIAL_BACKOFF_MS", "200");
    env.put("CTRLPLANE_WEBHOOKS_MAX_BACKOFF_MS", "2000");
    env.put("CTRLPLANE_WEBHOOKS_MAX_ATTEMPTS", "50");
    env.put("CTRLPLANE_KAFKA_STARTUP_TIMEOUT_MS", "60000");
    return env;
  }

  private void shutdown() {
    if (workload != null) {
      workload.stop();
    }
    // agents last among the roles: a graceful stop drains and stops their replicas
    List<String> order = new ArrayList<>(slots.keySet());
    order.sort(Comparator.comparing(k -> k.equals("agent") ? 1 : 0));
    for (String kind : order) {
      for (Slot s : slots.get(kind)) {
        if (s.process != null) {
          s.process.terminate(Duration.ofSeconds(30));
        }
      }
    }
    if (broker != null) {
      broker.destroy();
    }
    if (receiver != null) {
      receiver.stop();
    }
    try {
      if (pg != null) {
        pg.close();
      }
    } catch (Exception e) {
      log("postgres did not stop: " + e);
    }
  }

  static JsonArray demoCommand() {
    return DemoApps.command("v1", "v2", "v3", "v4");
  }

  private static Path agentDir(String id) {
    return Path.of("target", "agents", id).toAbsolutePath();
  }

  static void awaitCondition(Duration timeout, BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("soak: condition not met within " + timeout);
      }
      sleep(100);
    }
  }

  private static void sleepUntil(long epochMs) {
    long left = epochMs - System.currentTimeMillis();
    if (left > 0) {
      sleep(left);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void log(String line) {
    System.out.println("[soak " + java.time.LocalTime.now().withNano(0) + "] " + line);
    System.out.flush();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
