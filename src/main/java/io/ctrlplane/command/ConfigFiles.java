package io.ctrlplane.command;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigLoader;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** How a command-line command reads the service's configuration. */
public final class ConfigFiles {
  private ConfigFiles() {}

  /** Reads configuration on a throwaway Vert.x instance. */
  public static AppConfig load(String file, Map<String, String> env) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.load(vertx, file, env)
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } finally {
      vertx.close();
    }
  }
}
