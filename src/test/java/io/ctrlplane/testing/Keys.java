package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.security.ApiKeyStore;
import io.ctrlplane.security.ApiKeyTokens;
import io.ctrlplane.security.Scope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.EnumSet;

/**
 * API keys for tests: through the API (as an admin of its tenant) or as the operator CLI makes
 * them.
 */
public final class Keys {
  private Keys() {}

  /**
   * A key made through {@code POST /v1/api-keys} by {@code admin}; returns the created JSON, secret
   * in "key".
   */
  public static JsonObject viaApi(ApiClient admin, String name, Scope... scopes) {
    JsonArray wire = new JsonArray();
    Arrays.stream(scopes).forEach(s -> wire.add(s.wire()));
    ApiClient.Response r =
        admin.post("/v1/api-keys", new JsonObject().put("name", name).put("scopes", wire));
    assertThat(r.status()).as("create key %s: %s", name, r.text()).isEqualTo(201);
    return r.json();
  }

  /**
   * A key of any tenant (created when new), the way `ctrlplane keys create` does it; returns the
   * secret.
   */
  public static String forTenant(Sql sql, String tenant, String name, Scope... scopes) {
    String secret = ApiKeyTokens.generate();
    Await.result(
        new ApiKeyStore(sql.pool())
            .createForOperator(
                tenant,
                name,
                EnumSet.copyOf(Arrays.asList(scopes)),
                ApiKeyTokens.hash(secret),
                secret.substring(0, 7)));
    return secret;
  }
}
