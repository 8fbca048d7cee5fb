package io.ctrlplane.security;

import io.ctrlplane.command.ConfigFiles;
import io.ctrlplane.command.EnvAware;
import io.ctrlplane.command.OutputAware;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.ctrlplane.db.Migrations;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctrlplane keys create --tenant acme --name ci --scopes read,deploy}: the operator's way to
 * make a key for any tenant (creating the tenant) with database access instead of an API key. This
 * is how a new tenant gets its first admin key, and how anyone locked out of the API gets back in.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description =
        "Manage API keys directly in the database (operators; needs the PostgreSQL settings).")
public final class KeysCommand implements EnvAware, OutputAware {
  private static final Pattern TENANT = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  private Map<String, String> env = Map.of();
  private PrintStream out = System.out;

  @Override
  public void init(Map<String, String> env, PrintStream err) {
    this.env = env;
  }

  @Override
  public void output(PrintStream out) {
    this.out = out;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create an API key (and its tenant when new); prints the key once.")
  int create(
      @Option(
              names = "--tenant",
              defaultValue = Principal.DEFAULT_TENANT,
              description =
                  "Tenant (project) id, a DNS label; created when new (default: ${DEFAULT-VALUE}).")
          String tenant,
      @Option(names = "--name", required = true, description = "A name to recognise the key by.")
          String name,
      @Option(
              names = "--scopes",
              defaultValue = "admin",
              split = ",",
              description = "Comma-separated: read, deploy, admin (default: ${DEFAULT-VALUE}).")
          String[] scopes,
      @Option(
              names = "--config",
              description = "Config file (default conf/config.json, or CTRLPLANE_CONFIG).")
          String configFile)
      throws Exception {
    if (!TENANT.matcher(tenant).matches()) {
      throw new ConfigException(
          "--tenant '" + tenant + "' must be a DNS label: lowercase letters, digits and '-'");
    }
    if (name.isBlank() || name.length() > 100) {
      throw new ConfigException("--name must be 1 to 100 characters");
    }
    Set<Scope> parsed = EnumSet.noneOf(Scope.class);
    for (String s : scopes) {
      try {
        parsed.add(Scope.parse(s.trim()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "--scopes: unknown scope '"
                + s
                + "', expected some of "
                + Arrays.toString(Arrays.stream(Scope.values()).map(Scope::wire).toArray()));
      }
    }
    AppConfig config = ConfigFiles.load(configFile, env);
    String secret = ApiKeyTokens.generate();
    JsonObject key = store(config, tenant, name.strip(), parsed, secret);
    out.println(
        "API key "
            + key.getString("id")
            + " ("
            + key.getString("name")
            + ") of tenant "
            + tenant
            + " with scopes "
            + String.join(", ", Scope.toArray(parsed))
            + "; shown once, keep it now:");
    out.println(secret);
    return 0;
  }

  private static JsonObject store(
      AppConfig config, String tenant, String name, Set<Scope> scopes, String secret)
      throws Exception {
    Migrations.migrateBlocking(config.postgres()); // a fresh database gets its tables first
    Vertx vertx = Vertx.vertx();
    Pool pool = PgPools.create(vertx, config.postgres(), "ctrlplane-keys-cli");
    try {
      return new ApiKeyStore(pool)
          .createForOperator(
              tenant,
              name,
              scopes,
              ApiKeyTokens.hash(secret),
              secret.substring(0, ApiKeyTokens.PREFIX.length() + 4))
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } finally {
      pool.close();
      vertx.close();
    }
  }
}
