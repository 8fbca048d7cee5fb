package io.ctrlplane.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads configuration with vertx-config: the packaged defaults ({@code conf/config.json} inside the
 * jar), then an operator's file (default {@code conf/config.json} in the working directory, or
 * {@code --config}/{@code CTRLPLANE_CONFIG}), then the environment variables of {@link
 * EnvOverrides}.
 */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {}

  public static Future<AppConfig> load(Vertx vertx, String file, Map<String, String> env) {
    String path = file != null ? file : env.getOrDefault("CTRLPLANE_CONFIG", DEFAULT_FILE);
    boolean explicit = file != null || env.containsKey("CTRLPLANE_CONFIG");
    if (explicit && !Files.isRegularFile(Path.of(path))) {
      return Future.failedFuture(
          new ConfigException(
              "config file "
                  + path
                  + " does not exist (set --config or CTRLPLANE_CONFIG to a JSON file)"));
    }
    ConfigRetrieverOptions options =
        new ConfigRetrieverOptions()
            .setScanPeriod(0)
            .setIncludeDefaultStores(false)
            // packaged defaults: Vert.x's file system falls back to the classpath
            .addStore(fileStore(DEFAULT_FILE));
    if (Files.isRegularFile(Path.of(path))) {
      // never optional when present: an optional store turns a malformed file into {} silently
      options.addStore(fileStore(path));
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever
        .getConfig()
        .eventually(retriever::close)
        .recover(
            e ->
                Future.failedFuture(
                    new ConfigException(
                        "config file "
                            + path
                            + " is not valid JSON ("
                            + oneLine(e)
                            + "); fix it or point CTRLPLANE_CONFIG elsewhere")))
        .map(json -> AppConfig.from(EnvOverrides.apply(json, env)));
  }

  /** Builds the configuration from a JSON object alone (tests, embedding). */
  public static AppConfig fromJson(JsonObject json) {
    return AppConfig.from(json);
  }

  private static ConfigStoreOptions fileStore(String path) {
    return new ConfigStoreOptions()
        .setType("file")
        .setFormat("json")
        .setConfig(new JsonObject().put("path", path));
  }

  private static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return msg.lines().findFirst().orElse(msg);
  }
}
