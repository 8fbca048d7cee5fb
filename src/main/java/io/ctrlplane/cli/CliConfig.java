package io.ctrlplane.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the API is and which key to send. Each setting comes from the first of: the flag ({@code
 * --api-url}, {@code --api-key}), the environment ({@code CTRLPLANE_API_URL}, {@code
 * CTRLPLANE_API_KEY}), the CLI config file ({@code --cli-config}, by default {@code
 * ~/.config/ctrlplane/cli.json} with {@code {"api_url": …, "api_key": …}}), the default ({@code
 * http://localhost:8080}, no key).
 */
public record CliConfig(String apiUrl, String apiKey) {
  public static final String DEFAULT_URL = "http://localhost:8080";
  public static final String ENV_URL = "CTRLPLANE_API_URL";
  public static final String ENV_KEY = "CTRLPLANE_API_KEY";

  /**
   * {@code configFile}: given with --cli-config (must exist), or null for the default path (may be
   * absent).
   */
  public static CliConfig resolve(
      String urlFlag, String keyFlag, Path configFile, Map<String, String> env) {
    JsonObject file = read(configFile);
    String url = first(urlFlag, env.get(ENV_URL), file.getString("api_url"), DEFAULT_URL);
    String key = first(keyFlag, env.get(ENV_KEY), file.getString("api_key"), null);
    return new CliConfig(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, key);
  }

  static Path defaultFile() {
    return Path.of(System.getProperty("user.home"), ".config", "ctrlplane", "cli.json");
  }

  private static JsonObject read(Path given) {
    Path path = given != null ? given : defaultFile();
    if (!Files.exists(path)) {
      if (given != null) {
        throw new CliException(ExitCodes.USAGE, "--cli-config " + given + " does not exist");
      }
      return new JsonObject();
    }
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException | DecodeException e) {
      throw new CliException(
          ExitCodes.USAGE,
          "cannot read the CLI config "
              + path
              + " (expected {\"api_url\": …, \"api_key\": …}): "
              + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }
}
