package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("API keys, scopes and bearer headers")
class ApiKeyTokensTest {

  @Test
  @DisplayName("are cp_ and 256 random bits in base64url, different every time")
  void generated() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String key = ApiKeyTokens.generate();
      assertThat(key).hasSize(46).startsWith("cp_");
      assertThat(ApiKeyTokens.wellFormed(key)).isTrue();
      seen.add(key);
    }
    assertThat(seen).hasSize(100);
  }

  @Test
  @DisplayName("are stored as a hex SHA-256 that does not contain the key")
  void hashed() {
    String key = ApiKeyTokens.generate();
    assertThat(ApiKeyTokens.hash(key))
        .matches("[0-9a-f]{64}")
        .isEqualTo(ApiKeyTokens.hash(key))
        .doesNotContain(key.substring(3));
  }

  @Test
  @DisplayName("have a shape checked before any lookup")
  void shape() {
    assertThat(ApiKeyTokens.wellFormed("cp_short")).isFalse();
    assertThat(ApiKeyTokens.wellFormed("xx_" + ApiKeyTokens.generate().substring(3))).isFalse();
    assertThat(ApiKeyTokens.wellFormed(null)).isFalse();
  }

  @Test
  @DisplayName("come as 'Bearer <key>', the scheme in any case")
  void bearer() {
    assertThat(Authenticator.bearer("Bearer abc")).isEqualTo("abc");
    assertThat(Authenticator.bearer("bearer   abc ")).isEqualTo("abc");
    assertThat(Authenticator.bearer("Basic abc")).isNull();
    assertThat(Authenticator.bearer("Bearer")).isNull();
    assertThat(Authenticator.bearer("Bearer a b")).isNull();
  }

  @Test
  @DisplayName("scopes: admin implies read and deploy; read and deploy are independent")
  void scopes() {
    assertThat(Scope.READ.grantedBy(Set.of(Scope.ADMIN))).isTrue();
    assertThat(Scope.DEPLOY.grantedBy(Set.of(Scope.ADMIN))).isTrue();
    assertThat(Scope.DEPLOY.grantedBy(Set.of(Scope.READ))).isFalse();
    assertThat(Scope.READ.grantedBy(Set.of(Scope.DEPLOY))).isFalse();
    assertThat(Scope.ADMIN.grantedBy(Set.of(Scope.READ, Scope.DEPLOY))).isFalse();
    assertThat(Scope.parseList(new JsonArray().add("read").add("deploy"), "scopes"))
        .containsExactlyInAnyOrder(Scope.READ, Scope.DEPLOY);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Scope.parseList(new JsonArray().add("root"), "scopes"))
        .isInstanceOf(ValidationException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Scope.parseList(new JsonArray(), "scopes"))
        .isInstanceOf(ValidationException.class);
  }
}
