package io.ctrlplane.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ctrlplane restart <instance>}: every replica of the live release replaced, one at a time.
 */
@Command(
    name = "restart",
    mixinStandardHelpOptions = true,
    description =
        "Restart an instance: replace every replica of its live release one at a time, new before old"
            + " (a deployment of kind restart; no new release).")
public final class RestartCommand extends ApiCommand {
  @Parameters(index = "0", description = "Instance id or name.")
  String instance;

  @Mixin SubmitOptions submit = new SubmitOptions();

  @Override
  protected int run(ApiHttp api) {
    String instanceId = Resolve.instanceId(api, instance);
    JsonObject deployment =
        api.post("/v1/instances/" + instanceId + "/restart", new JsonObject(), submit.headers());
    return Accepted.report(this, api, deployment, submit.watch);
  }
}
