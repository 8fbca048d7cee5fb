package io.ctrlplane.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctrlplane rollback <instance> --to v3|rel_…}: a new release with an earlier one's image
 * and config.
 */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description =
        "Roll an instance back to an earlier release (a new release with its image and configuration).")
public final class RollbackCommand extends ApiCommand {
  @Parameters(index = "0", description = "Instance id or name.")
  String instance;

  @Option(
      names = "--to",
      required = true,
      description = "The release: a version (v3 or 3) or a release id (rel_…).")
  String to;

  @Mixin SubmitOptions submit = new SubmitOptions();

  @Override
  protected int run(ApiHttp api) {
    JsonObject body = new JsonObject();
    if (to.startsWith("rel_")) {
      body.put("release_id", to);
    } else {
      try {
        body.put("version", Integer.parseInt(to.startsWith("v") ? to.substring(1) : to));
      } catch (NumberFormatException e) {
        throw new CliException(
            ExitCodes.USAGE, "--to must be a version (v3 or 3) or a release id (rel_…), not " + to);
      }
    }
    String instanceId = Resolve.instanceId(api, instance);
    JsonObject deployment =
        api.post("/v1/instances/" + instanceId + "/rollback", body, submit.headers());
    return Accepted.report(this, api, deployment, submit.watch);
  }
}
