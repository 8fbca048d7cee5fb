package io.ctrlplane.cli;

import io.vertx.core.json.JsonObject;

/** What deploy and rollback print for the accepted deployment, and the --watch that may follow. */
final class Accepted {
  private Accepted() {}

  static int report(ApiCommand command, ApiHttp api, JsonObject deployment, boolean watch) {
    if (command.json()) {
      if (!watch) {
        command.printJson(deployment);
      }
    } else {
      JsonObject release = deployment.getJsonObject("release");
      command.out.println(
          "deployment "
              + deployment.getString("id")
              + ": v"
              + release.getValue("version")
              + " ("
              + release.getString("image")
              + ", "
              + deployment.getString("strategy")
              + ") "
              + deployment.getString("state"));
    }
    return watch ? command.follow(api, deployment.getString("id")) : ExitCodes.OK;
  }
}
