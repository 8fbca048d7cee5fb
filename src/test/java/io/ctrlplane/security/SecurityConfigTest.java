package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.Main;
import io.ctrlplane.app.Server;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.LogCapture;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(roles = "api")
@DisplayName("Security configuration")
class SecurityConfigTest {
  private JsonObject json;
  private AppConfig config;
  private ApiClient api;

  @BeforeAll
  void start(CtrlPlane plane) {
    json = plane.json();
    config = plane.config();
    api = plane.api();
  }

  private record Outcome(int code, String out, String err) {}

  private Outcome run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.execute(
            args,
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("CTRLPLANE_PG_URL", config.postgres().url());
    env.put("CTRLPLANE_PG_USER", config.postgres().user());
    env.put("CTRLPLANE_PG_PASSWORD", config.postgres().password());
    env.put("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", config.kafka().bootstrapServers());
    env.put("CTRLPLANE_KAFKA_TOPIC", config.kafka().topic());
    env.put("CTRLPLANE_HTTP_HOST", "127.0.0.1");
    env.put("CTRLPLANE_HTTP_PORT", String.valueOf(TestStack.freePort()));
    return env;
  }

  private static void assertConfigError(Outcome o, String... fragments) {
    assertThat(o.code()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(o.err().strip().lines()).hasSize(1);
    for (String f : fragments) {
      assertThat(o.err()).contains(f);
    }
  }

  @Test
  @DisplayName("refuses a short bootstrap key without printing it")
  void shortBootstrapKey() {
    Map<String, String> env = env();
    env.put("CTRLPLANE_BOOTSTRAP_API_KEY", "changeme");
    Outcome o = run(env, "serve", "--roles", "api");
    assertConfigError(o, "CTRLPLANE_BOOTSTRAP_API_KEY", "at least 32");
    assertThat(o.err()).doesNotContain("changeme");
  }

  @Test
  @DisplayName("refuses anything but true or false for CTRLPLANE_AUTH_ENABLED")
  void authEnabledTypo() {
    Map<String, String> env = env();
    env.put("CTRLPLANE_AUTH_ENABLED", "flase");
    assertConfigError(
        run(env, "serve", "--roles", "api"), "CTRLPLANE_AUTH_ENABLED", "true or false");
  }

  @Test
  @DisplayName("refuses a malformed encryption key at start, naming the entry but not the value")
  void badEncryptionKey() {
    Map<String, String> env = env();
    String secret = Keyring.generateKey();
    env.put("CTRLPLANE_ENCRYPTION_KEY", secret + ",dG9vLXNob3J0");
    Outcome o = run(env, "serve", "--roles", "api");
    assertConfigError(o, "CTRLPLANE_ENCRYPTION_KEY", "entry 2");
    assertThat(o.err()).doesNotContain(secret).doesNotContain("dG9vLXNob3J0");
  }

  @Test
  @DisplayName(
      "keys create: an operator makes a key for a new tenant, shown once, that works at once")
  void operatorCreatesKey() {
    Outcome o =
        run(env(), "keys", "create", "--tenant", "acme", "--name", "ci", "--scopes", "read,deploy");
    assertThat(o.code()).as(o.err()).isZero();
    String key = o.out().strip().lines().reduce((first, second) -> second).orElseThrow();
    assertThat(key).startsWith("cp_").hasSize(46);
    assertThat(o.out()).contains("tenant acme").contains("scopes read, deploy");
    ApiClient ci = api.as(key);
    assertThat(ci.get("/v1/instances").status()).isEqualTo(200);
    ApiClient.Response created = ci.post("/v1/instances", new JsonObject().put("name", "acme-web"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(ci.get("/v1/audit").status()).isEqualTo(403);
    assertThat(api.get("/v1/instances/" + created.json().getString("id")).status())
        .as("the default tenant's admin does not see acme's instance")
        .isEqualTo(404);
    assertConfigError(
        run(env(), "keys", "create", "--tenant", "Not_A_Label", "--name", "x"), "--tenant");
    assertConfigError(
        run(env(), "keys", "create", "--name", "x", "--scopes", "root"), "unknown scope 'root'");
  }

  @Test
  @DisplayName(
      "secrets reencrypt: after a new key is put first, every stored value moves to it and still opens")
  void reencrypt(Vertx vertx) {
    String instance =
        api.post("/v1/instances", new JsonObject().put("name", "rotated")).json().getString("id");
    ApiClient.Response deploy =
        api.post(
            "/v1/instances/" + instance + "/deployments",
            new JsonObject()
                .put("image", "a/b:1")
                .put("secret_env", new JsonObject().put("TOKEN", "rotate-me").put("OTHER", "x")));
    assertThat(deploy.status()).as(deploy.text()).isEqualTo(202);
    Keyring old = Keyring.fromConfig(TestStack.ENCRYPTION_KEY);
    String fresh = Keyring.generateKey();
    Keyring rotated = Keyring.fromConfig(fresh + "," + TestStack.ENCRYPTION_KEY);
    Map<String, String> env = env();
    env.put("CTRLPLANE_ENCRYPTION_KEY", fresh + "," + TestStack.ENCRYPTION_KEY);
    Outcome o = run(env, "secrets", "reencrypt");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out())
        .contains("re-encrypted")
        .contains(rotated.primaryKeyId())
        .doesNotContain("rotate-me");
    try (io.ctrlplane.testing.Sql sql = new io.ctrlplane.testing.Sql(vertx, config)) {
      assertThat(
              sql.count(
                  "SELECT count(*) FROM release_secrets WHERE key_id = $1", old.primaryKeyId()))
          .isZero();
      io.vertx.sqlclient.Row row =
          Await.result(
                  sql.pool()
                      .preparedQuery(
                          "SELECT s.ciphertext FROM release_secrets s "
                              + "JOIN releases r ON r.id = s.release_id WHERE r.instance_id = $1 AND s.name = 'TOKEN'")
                      .execute(io.vertx.sqlclient.Tuple.of(instance)))
              .iterator()
              .next();
      assertThat(
              Keyring.fromConfig(fresh)
                  .open(
                      row.getString("ciphertext"), SecretEnv.context("default", instance, "TOKEN")))
          .isEqualTo("rotate-me");
    }
    env.put("CTRLPLANE_ENCRYPTION_KEY", Keyring.generateKey());
    Outcome lost = run(env, "secrets", "reencrypt");
    assertConfigError(lost, rotated.primaryKeyId(), "not among the configured keys");
    assertThat(lost.err()).doesNotContain("rotate-me");
  }

  @Test
  @DisplayName(
      "without an encryption key, a deploy with secret_env is refused (503) and one without works")
  void noEncryptionKey(CtrlPlane plane) {
    JsonObject plain = json.copy();
    plain.getJsonObject("http").put("port", TestStack.freePort());
    plain.getJsonObject("security").remove("encryption_key");
    Server server = plane.startServer(AppConfig.from(plain));
    try (ApiClient client = plane.client(plain.getJsonObject("http").getInteger("port"))) {
      String instance =
          client
              .post("/v1/instances", new JsonObject().put("name", "no-key"))
              .json()
              .getString("id");
      ApiClient.Response refused =
          client.post(
              "/v1/instances/" + instance + "/deployments",
              new JsonObject()
                  .put("image", "a/b:1")
                  .put("secret_env", new JsonObject().put("TOKEN", "never-stored")));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().getString("detail"))
          .contains("CTRLPLANE_ENCRYPTION_KEY")
          .doesNotContain("never-stored");
      assertThat(
              client
                  .post(
                      "/v1/instances/" + instance + "/deployments",
                      new JsonObject().put("image", "a/b:1"))
                  .status())
          .isEqualTo(202);
    } finally {
      server.stopBlocking();
    }
  }

  @Test
  @DisplayName(
      "switched off explicitly, warns at start and lets every request act as the default tenant's admin")
  void disabled(CtrlPlane plane) {
    JsonObject off = json.copy();
    off.getJsonObject("http").put("port", TestStack.freePort());
    off.getJsonObject("security").put("auth_enabled", false);
    try (LogCapture logs = LogCapture.start()) {
      Server open = plane.startServer(AppConfig.from(off));
      try (ApiClient anyone =
          plane.client(off.getJsonObject("http").getInteger("port")).as(ApiClient.NO_KEY)) {
        assertThat(logs.text()).contains("AUTHENTICATION IS DISABLED");
        assertThat(anyone.get("/v1/audit").status()).isEqualTo(200);
        assertThat(anyone.post("/v1/instances", new JsonObject().put("name", "open-door")).status())
            .isEqualTo(201);
      } finally {
        open.stopBlocking();
      }
    }
  }
}
