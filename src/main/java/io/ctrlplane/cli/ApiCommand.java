package io.ctrlplane.cli;

import io.ctrlplane.command.EnvAware;
import io.ctrlplane.command.OutputAware;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * What every command that talks to the HTTP API shares: where the API is, the key, the output
 * format, and the streams it writes to. {@code --output json} prints the API's JSON, one document
 * per line.
 */
public abstract class ApiCommand implements Callable<Integer>, EnvAware, OutputAware {
  public enum Output {
    table,
    json
  }

  @Option(
      names = "--api-url",
      description =
          "API base URL (default: CTRLPLANE_API_URL, the CLI config, "
              + CliConfig.DEFAULT_URL
              + ").")
  String apiUrl;

  @Option(
      names = "--api-key",
      description = "API key (default: CTRLPLANE_API_KEY, then the CLI config).")
  String apiKey;

  @Option(
      names = "--cli-config",
      description =
          "CLI config file with {\"api_url\", \"api_key\"} "
              + "(default ~/.config/ctrlplane/cli.json).")
  Path cliConfig;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table (default) or json (the API's JSON, one document per line).")
  Output output;

  protected Map<String, String> env = Map.of();
  protected PrintStream out = System.out;
  protected PrintStream err = System.err;

  @Override
  public void init(Map<String, String> env, PrintStream err) {
    this.env = env;
    this.err = err;
  }

  @Override
  public void output(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    int code = run(new ApiHttp(CliConfig.resolve(apiUrl, apiKey, cliConfig, env)));
    out.flush();
    return code;
  }

  protected abstract int run(ApiHttp api);

  protected boolean json() {
    return output == Output.json;
  }

  protected void printJson(JsonObject document) {
    out.println(document.encode());
  }

  /** A deployment as --watch follows it, rendered for this command's output. */
  protected int follow(ApiHttp api, String deploymentId) {
    boolean terminal = !json() && out == System.out && System.console() != null;
    return new DeploymentFollower(api, out, json(), terminal).follow(deploymentId);
  }
}
