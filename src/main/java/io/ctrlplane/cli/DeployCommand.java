package io.ctrlplane.cli;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctrlplane deploy <instance> --image …}: a new release and its deployment. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = "Deploy an image to an instance (a new release); --watch follows it to the end.")
public final class DeployCommand extends ApiCommand {
  @Parameters(index = "0", description = "Instance id or name.")
  String instance;

  @Option(names = "--image", required = true, description = "OCI image reference.")
  String image;

  @Option(
      names = "--strategy",
      description = "rolling, blue-green, canary or recreate (default: the instance's).")
  String strategy;

  @Option(
      names = "--param",
      description =
          "Strategy parameter k=v (JSON values allowed, e.g. max_surge=1, "
              + "steps='[{\"set_weight\":20},{\"pause\":{}}]'); repeatable.")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(names = "--env", description = "Environment variable K=V; repeatable.")
  Map<String, String> envVars = new LinkedHashMap<>();

  @Option(
      names = "--secret-env",
      description = "Secret environment variable K=V (encrypted at rest); repeatable.")
  Map<String, String> secretEnv = new LinkedHashMap<>();

  @Option(names = "--notes", description = "Release notes.")
  String notes;

  @Option(names = "--commit", description = "Commit SHA (7-64 hex digits).")
  String commit;

  @Mixin SubmitOptions submit = new SubmitOptions();

  @Override
  protected int run(ApiHttp api) {
    JsonObject body = new JsonObject().put("image", image);
    if (strategy != null) {
      body.put("strategy", strategy);
    }
    if (!params.isEmpty()) {
      body.put("strategy_params", Values.params(params));
    }
    if (!envVars.isEmpty()) {
      body.put("env", Values.strings(envVars));
    }
    if (!secretEnv.isEmpty()) {
      body.put("secret_env", Values.strings(secretEnv));
    }
    if (notes != null) {
      body.put("notes", notes);
    }
    if (commit != null) {
      body.put("commit_sha", commit);
    }
    String instanceId = Resolve.instanceId(api, instance);
    JsonObject deployment =
        api.post("/v1/instances/" + instanceId + "/deployments", body, submit.headers());
    return Accepted.report(this, api, deployment, submit.watch);
  }
}
