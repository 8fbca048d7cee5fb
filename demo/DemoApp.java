import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The app Ctrl Plane's process provider deploys in its docs and tests: a tiny HTTP server needing
 * only a JDK.
 *
 * <pre>
 *   java demo/DemoApp.java --port 9001 --version v1
 *   curl localhost:9001/        -> version=v1 replica=... pid=...
 *   curl localhost:9001/health  -> ok
 * </pre>
 *
 * Misbehaviour on demand, through the environment (a release's env sets it for one release):
 * DEMO_START_DELAY_MS (listen only after that long), DEMO_HEALTH=fail (health answers 503 forever),
 * DEMO_CRASH_AFTER_MS (exit with code 3 after that long), DEMO_ERROR_RATE (share of 500s on /,
 * 0..1), DEMO_ERRORS_AFTER_MS (the 500s start only that long after the first request on /, so a
 * release can look healthy when it takes traffic and go bad later), DEMO_RESPONSE_DELAY_MS (slow
 * answers on /). DEMO_SECRET (a secret_env variable in the docs) is never printed, only its length.
 * The port also comes from PORT, the version from DEMO_VERSION. With CTRLPLANE_AGENT_LIFELINE set
 * it exits once that file has not been touched for CTRLPLANE_AGENT_LIFELINE_MS (its agent is gone
 * for good), so a killed agent that does not come back leaves no orphan behind, while a restarted
 * one (it touches the same file) takes it back.
 */
public final class DemoApp {
  public static void main(String[] args) throws Exception {
    // without it the JDK server's separate header and body writes meet delayed ACKs: 40 ms per
    // answer
    System.setProperty("sun.net.httpserver.nodelay", "true");
    Map<String, String> env = System.getenv();
    int port = Integer.parseInt(arg(args, "--port", env.getOrDefault("PORT", "8080")));
    String version = arg(args, "--version", env.getOrDefault("DEMO_VERSION", "dev"));
    String host = arg(args, "--host", "0.0.0.0");
    long startDelay = number(env, "DEMO_START_DELAY_MS");
    long crashAfter = number(env, "DEMO_CRASH_AFTER_MS");
    long responseDelay = number(env, "DEMO_RESPONSE_DELAY_MS");
    double errorRate = Double.parseDouble(env.getOrDefault("DEMO_ERROR_RATE", "0"));
    long errorsAfter = number(env, "DEMO_ERRORS_AFTER_MS");
    java.util.concurrent.atomic.AtomicLong firstRequest =
        new java.util.concurrent.atomic.AtomicLong();
    boolean healthy = !"fail".equals(env.get("DEMO_HEALTH"));
    String replica = env.getOrDefault("CTRLPLANE_REPLICA_ID", "-");
    watchLifeline(env.get("CTRLPLANE_AGENT_LIFELINE"), env.get("CTRLPLANE_AGENT_LIFELINE_MS"));

    log("demo " + version + " starting on " + host + ":" + port);
    if (env.containsKey("DEMO_SECRET")) {
      // proves a secret arrived without ever printing it
      log("DEMO_SECRET is set (" + env.get("DEMO_SECRET").length() + " characters)");
    }
    Thread.sleep(startDelay);
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
    server.setExecutor(Executors.newFixedThreadPool(16));
    String hello =
        "version="
            + version
            + " replica="
            + replica
            + " pid="
            + ProcessHandle.current().pid()
            + "\n";
    server.createContext(
        "/health",
        ex -> answer(ex, healthy ? 200 : 503, healthy ? "ok\n" : "unhealthy (DEMO_HEALTH=fail)\n"));
    server.createContext(
        "/",
        ex -> {
          sleep(responseDelay);
          long now = System.nanoTime();
          firstRequest.compareAndSet(0, now);
          boolean bad = (now - firstRequest.get()) / 1_000_000 >= errorsAfter;
          boolean fail =
              bad && errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate;
          answer(
              ex,
              fail ? 500 : 200,
              fail ? "injected error (DEMO_ERROR_RATE) version=" + version + "\n" : hello);
        });
    server.start();
    log("demo " + version + " listening on " + host + ":" + port);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log("SIGTERM: finishing requests in flight, then exiting");
                  server.stop(1);
                }));
    if (crashAfter > 0) {
      Thread.sleep(crashAfter);
      log("crashing as asked (DEMO_CRASH_AFTER_MS)");
      Runtime.getRuntime().halt(3);
    }
  }

  private static void answer(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void watchLifeline(String file, String ms) {
    if (file == null || file.isBlank()) {
      return;
    }
    java.nio.file.Path lifeline = java.nio.file.Path.of(file);
    long limit = ms == null ? 15_000 : Long.parseLong(ms.trim());
    Thread watch =
        new Thread(
            () -> {
              while (true) {
                sleep(500);
                long age;
                try {
                  age =
                      System.currentTimeMillis()
                          - java.nio.file.Files.getLastModifiedTime(lifeline).toMillis();
                } catch (IOException e) {
                  age = Long.MAX_VALUE;
                }
                if (age > limit) {
                  log("agent lifeline " + file + " not touched for " + limit + " ms: exiting");
                  Runtime.getRuntime().halt(4);
                }
              }
            },
            "agent-lifeline");
    watch.setDaemon(true);
    watch.start();
  }

  private static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private static long number(Map<String, String> env, String name) {
    return Long.parseLong(env.getOrDefault(name, "0"));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void log(String line) {
    System.out.println(java.time.Instant.now() + " " + line);
  }
}
