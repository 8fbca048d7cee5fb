package io.ctrlplane.security;

import io.ctrlplane.bus.Caller;
import java.util.Set;

/**
 * Who a request acts as once its key checked out: the key (id and name, never the secret), the
 * tenant it belongs to and may act in, and its scopes.
 */
public record Principal(String keyId, String keyName, String tenantId, Set<Scope> scopes) {
  /** The id audit records and deployments carry for the configured bootstrap key. */
  public static final String BOOTSTRAP_KEY_ID = "key_bootstrap";

  public static final String DEFAULT_TENANT = "default";

  static Principal bootstrap() {
    return new Principal(BOOTSTRAP_KEY_ID, "bootstrap", DEFAULT_TENANT, Set.of(Scope.ADMIN));
  }

  /** The caller a store request runs for: this principal, acting in one request. */
  public Caller caller(String requestId, String action) {
    return new Caller(tenantId, keyId, keyName, requestId, action);
  }

  /** Every request acts as this when authentication is switched off by configuration. */
  static Principal anonymousAdmin() {
    return new Principal(
        "key_anonymous", "anonymous (auth disabled)", DEFAULT_TENANT, Set.of(Scope.ADMIN));
  }

  public boolean allows(Scope required) {
    return required.grantedBy(scopes);
  }
}
