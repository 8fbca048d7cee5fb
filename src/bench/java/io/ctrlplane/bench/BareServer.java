package io.ctrlplane.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;

/**
 * The bare-route baseline: a Vert.x HTTP server whose one route returns a constant JSON body, with
 * as many verticle instances as the API runs (http.instances), and nothing behind it. Its latency
 * under the same load tool is the floor the machine, the JVM, Vert.x and the load generator put
 * under every API number.
 */
final class BareServer extends VerticleBase {
  private static final Buffer BODY = Buffer.buffer("{\"items\":[],\"next_cursor\":null}");
  private final int port;

  private BareServer(int port) {
    this.port = port;
  }

  static void main(Args args) throws Exception {
    int port = args.integer("port", 18481);
    int instances = args.integer("instances", 2);
    Vertx vertx = Vertx.vertx();
    vertx
        .deployVerticle(() -> new BareServer(port), new DeploymentOptions().setInstances(instances))
        .toCompletionStage()
        .toCompletableFuture()
        .get();
    System.out.println(
        "bare route up on http://localhost:" + port + "/bare (" + instances + " instances)");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    vertx.close().toCompletionStage().toCompletableFuture().get();
                  } catch (Exception e) {
                    // exiting anyway
                  }
                }));
    Thread.currentThread().join();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router
        .get("/bare")
        .handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(BODY));
    return vertx.createHttpServer().requestHandler(router).listen(port);
  }
}
