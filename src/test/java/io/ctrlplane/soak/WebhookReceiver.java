package io.ctrlplane.soak;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The soak's webhook endpoint: answers 200 and counts each event id it receives. */
final class WebhookReceiver {
  private final HttpServer server;
  final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

  private WebhookReceiver(HttpServer server) {
    this.server = server;
  }

  static WebhookReceiver start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    WebhookReceiver r = new WebhookReceiver(server);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/hook",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String id = new JsonObject(body).getString("id");
            r.received.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          } catch (RuntimeException e) {
            // counted as nothing: the ledger compares with the deliveries table
          }
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    server.start();
    return r;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  void stop() {
    server.stop(0);
  }
}
