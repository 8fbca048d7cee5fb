package io.ctrlplane.api;

import io.ctrlplane.deploy.DeployRequestRules;
import io.ctrlplane.deploy.EnvVars;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ImageReference;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.strategy.Strategies;
import io.ctrlplane.strategy.json.ParamsJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates and normalises request bodies. Every rule runs and every problem is reported at once;
 * nothing reaches the store unless the whole body is valid.
 */
final class Requests {
  static final Pattern INSTANCE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  static final Set<String> PROVIDERS = io.ctrlplane.provider.Providers.NAMES;
  static final int MAX_REPLICAS = 1000;

  private Requests() {}

  static JsonObject instance(JsonObject in) {
    Collector c =
        new Collector(
            in,
            Set.of(
                "name",
                "replicas",
                "provider",
                "provider_config",
                "default_strategy",
                "default_strategy_params",
                "heal_after_seconds",
                "hooks",
                "release_command",
                "release_timeout_seconds"));
    String name = c.string("name", true);
    if (name != null && !INSTANCE_NAME.matcher(name).matches()) {
      c.error(
          "name",
          "must be a DNS label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit");
    }
    Integer replicas = c.integer("replicas", 1);
    if (replicas != null && (replicas < 1 || replicas > MAX_REPLICAS)) {
      c.error("replicas", "must be between 1 and " + MAX_REPLICAS);
    }
    String provider = c.stringOr("provider", "simulator");
    if (provider != null && !PROVIDERS.contains(provider)) {
      c.error(
          "provider",
          "unknown provider '"
              + provider
              + "': expected one of "
              + new java.util.TreeSet<>(PROVIDERS));
    }
    JsonObject providerConfig = c.object("provider_config");
    c.check(() -> io.ctrlplane.provider.Providers.validateConfig(provider, providerConfig));
    String strategy = c.stringOr("default_strategy", "rolling");
    JsonObject params = c.object("default_strategy_params");
    JsonObject normalized =
        c.strategyParams(strategy, params, "default_strategy", "default_strategy_params");
    JsonArray hooks = c.hooks();
    Integer healAfter = healAfter(c, 10);
    JsonArray releaseCommand = c.releaseCommand();
    Integer releaseTimeout = c.releaseTimeout();
    c.throwIfAny();
    return new JsonObject()
        .put("release_command", releaseCommand)
        .put("release_timeout_seconds", releaseTimeout)
        .put("name", name)
        .put("heal_after_seconds", healAfter)
        .put("replicas", replicas)
        .put("provider", provider)
        .put("provider_config", providerConfig == null ? new JsonObject() : providerConfig)
        .put("default_strategy", strategy)
        .put("default_strategy_params", normalized)
        .put("hooks", hooks);
  }

  static JsonObject deploy(String instanceId, JsonObject in) {
    Collector c =
        new Collector(
            in,
            Set.of(
                "image",
                "strategy",
                "strategy_params",
                "env",
                "secret_env",
                "notes",
                "commit_sha",
                "override_freeze"));
    String image = c.string("image", true);
    if (image != null) {
      c.check(() -> ImageReference.parse(image));
    }
    JsonObject env = c.object("env");
    if (env != null) {
      c.check(() -> EnvVars.validate("env", env.getMap()));
    }
    // same rules as env; messages name variables and sizes, never values
    JsonObject secrets = c.object("secret_env");
    if (secrets != null) {
      c.check(() -> EnvVars.validate("secret_env", secrets.getMap()));
      secrets.fieldNames().stream()
          .filter(n -> env != null && env.containsKey(n))
          .sorted()
          .forEach(
              n ->
                  c.error(
                      "secret_env." + n, "is also in env: a variable is either plain or secret"));
    }
    String notes = c.string("notes", false);
    c.check(() -> DeployRequestRules.validateNotes(notes));
    String sha = c.string("commit_sha", false);
    c.check(() -> DeployRequestRules.validateCommitSha(sha));
    JsonObject out =
        strategyChoice(c, in)
            .put("instance_id", instanceId)
            .put("image", image)
            // null: keep the current release's env ({} clears it)
            .put("env", env)
            .put("secret_env", secrets == null ? new JsonObject() : secrets)
            .put("notes", notes)
            .put("commit_sha", sha == null ? null : sha.toLowerCase(java.util.Locale.ROOT))
            .put("override_freeze", c.overrideFreeze());
    uncheckedTemplate(c, out);
    c.throwIfAny();
    return out;
  }

  /**
   * A name that is no registered strategy is looked up as a template by the store, which only sees
   * a body without other violations: when the body has some, the name is reported with them (every
   * violation at once) as not checked, so an unknown strategy is never left out of the list.
   */
  private static void uncheckedTemplate(Collector c, JsonObject out) {
    String template = out.getString("strategy_template");
    if (template != null && c.hasErrors()) {
      c.error(
          "strategy",
          "unknown strategy '"
              + template
              + "': expected one of "
              + String.join(", ", Strategies.registry().names()));
    }
  }

  /**
   * A config change: {@code set}/{@code unset} for env, {@code secret_set}/{@code secret_unset} for
   * secret_env; at least one change, no name both set and unset, no name both plain and secret.
   */
  static JsonObject config(String instanceId, JsonObject in) {
    Collector c =
        new Collector(in, Set.of("set", "unset", "secret_set", "secret_unset", "override_freeze"));
    JsonObject override = c.overrideFreeze();
    JsonObject set = c.object("set");
    if (set != null) {
      c.check(() -> EnvVars.validate("set", set.getMap()));
    }
    JsonObject secretSet = c.object("secret_set");
    if (secretSet != null) {
      c.check(() -> EnvVars.validate("secret_set", secretSet.getMap()));
    }
    JsonArray unset = c.names("unset");
    JsonArray secretUnset = c.names("secret_unset");
    both(c, set, unset, "unset", "is also in set");
    both(c, secretSet, secretUnset, "secret_unset", "is also in secret_set");
    if (set != null && secretSet != null) {
      secretSet.fieldNames().stream()
          .filter(set::containsKey)
          .sorted()
          .forEach(
              n ->
                  c.error(
                      "secret_set." + n, "is also in set: a variable is either plain or secret"));
    }
    if (size(set) + size(unset) + size(secretSet) + size(secretUnset) == 0) {
      c.error("set", "give at least one change in set, unset, secret_set or secret_unset");
    }
    c.throwIfAny();
    return new JsonObject()
        .put("instance_id", instanceId)
        .put("set", set == null ? new JsonObject() : set)
        .put("unset", unset == null ? new JsonArray() : unset)
        .put("secret_set", secretSet == null ? new JsonObject() : secretSet)
        .put("secret_unset", secretUnset == null ? new JsonArray() : secretUnset)
        .put("override_freeze", override);
  }

  private static void both(
      Collector c, JsonObject set, JsonArray unset, String field, String message) {
    if (set == null || unset == null) {
      return;
    }
    for (int i = 0; i < unset.size(); i++) {
      if (set.containsKey(unset.getString(i))) {
        c.error(field + "[" + i + "]", message);
      }
    }
  }

  private static int size(Object o) {
    return o instanceof JsonObject j ? j.size() : o instanceof JsonArray a ? a.size() : 0;
  }

  /**
   * A JSON Merge Patch (RFC 7396) of an instance: the fields it may change, each validated like at
   * creation; null removes provider_config or default_strategy_params (back to {}), and may not be
   * given for replicas or default_strategy. The strategy params are normalised by the store, which
   * knows the strategy they go with when the patch names none.
   */
  static JsonObject patch(String instanceId, JsonObject in) {
    Collector c =
        new Collector(
            in,
            Set.of(
                "replicas",
                "provider_config",
                "default_strategy",
                "default_strategy_params",
                "heal_after_seconds",
                "override_freeze",
                "hooks",
                "release_command",
                "release_timeout_seconds"));
    JsonObject override = c.overrideFreeze();
    JsonArray hooks = in.containsKey("hooks") ? c.hooks() : null;
    JsonArray releaseCommand = c.releaseCommand();
    Integer releaseTimeout = in.containsKey("release_timeout_seconds") ? c.releaseTimeout() : null;
    for (String f : List.of("replicas", "default_strategy", "heal_after_seconds")) {
      if (in.containsKey(f) && in.getValue(f) == null) {
        c.error(f, "cannot be removed (null); give a value");
      }
    }
    Integer replicas = c.integer("replicas", null);
    if (replicas != null && (replicas < 1 || replicas > MAX_REPLICAS)) {
      c.error("replicas", "must be between 1 and " + MAX_REPLICAS);
    }
    String strategy = c.string("default_strategy", false);
    JsonObject params = c.object("default_strategy_params");
    JsonObject providerConfig = c.object("provider_config");
    Integer healAfter = healAfter(c, null);
    if (in.isEmpty() || in.fieldNames().equals(Set.of("override_freeze"))) {
      c.error("replicas", "give at least one field to change");
    }
    c.throwIfAny();
    JsonObject out = new JsonObject().put("instance_id", instanceId);
    if (override != null) {
      out.put("override_freeze", override);
    }
    if (hooks != null) {
      out.put("hooks", hooks);
    }
    if (in.containsKey("release_command")) {
      out.put("release_command", releaseCommand); // null removes the release phase
    }
    if (releaseTimeout != null) {
      out.put("release_timeout_seconds", releaseTimeout);
    }
    if (replicas != null) {
      out.put("replicas", replicas);
    }
    if (healAfter != null) {
      out.put("heal_after_seconds", healAfter);
    }
    if (strategy != null) {
      out.put("default_strategy", strategy);
    }
    if (in.containsKey("default_strategy_params")) {
      out.put("default_strategy_params", params == null ? new JsonObject() : params);
    }
    if (in.containsKey("provider_config")) {
      out.put("provider_config", providerConfig == null ? new JsonObject() : providerConfig);
    }
    return out;
  }

  static final int MAX_HEAL_AFTER_SECONDS = 3600;

  /** How long a crashed replica may stay down before the runners replace it: 1..3600 seconds. */
  private static Integer healAfter(Collector c, Integer fallback) {
    Integer seconds = c.integer("heal_after_seconds", fallback);
    if (seconds != null && (seconds < 1 || seconds > MAX_HEAL_AFTER_SECONDS)) {
      c.error("heal_after_seconds", "must be between 1 and " + MAX_HEAL_AFTER_SECONDS);
    }
    return seconds;
  }

  static JsonObject rollback(String instanceId, JsonObject in) {
    Collector c =
        new Collector(
            in,
            Set.of("release_id", "version", "strategy", "strategy_params", "run_release_phase"));
    Object runPhase = in.getValue("run_release_phase");
    if (runPhase != null && !(runPhase instanceof Boolean)) {
      c.error("run_release_phase", "must be true or false");
    }
    String releaseId = c.string("release_id", false);
    Integer version = c.integer("version", null);
    if ((releaseId == null) == (version == null)) {
      c.error("release_id", "give exactly one of release_id or version");
    }
    if (version != null && version < 1) {
      c.error("version", "must be at least 1");
    }
    JsonObject out =
        strategyChoice(c, in)
            .put("instance_id", instanceId)
            .put("release_id", releaseId)
            .put("version", version)
            .put("run_release_phase", Boolean.TRUE.equals(runPhase));
    uncheckedTemplate(c, out);
    c.throwIfAny();
    return out;
  }

  /**
   * The body of {@code POST /v1/strategies}: a template's name (a DNS label that is not the name of
   * a registered strategy), the strategy it uses and its params, normalised by the strategy
   * registry exactly like a deployment's (422 naming {@code params.…}).
   */
  static JsonObject strategyTemplate(JsonObject in) {
    Collector c = new Collector(in, Set.of("name", "strategy", "params"));
    String name = c.string("name", true);
    if (name != null && !INSTANCE_NAME.matcher(name).matches()) {
      c.error(
          "name",
          "must be a DNS label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit");
    } else if (name != null && Strategies.registry().isKnown(name)) {
      c.error("name", "'" + name + "' is the name of a strategy; choose another name");
    }
    String strategy = c.string("strategy", true);
    JsonObject params = c.object("params");
    JsonObject normalized = c.strategyParams(strategy, params, "strategy", "params");
    c.throwIfAny();
    return new JsonObject().put("name", name).put("strategy", strategy).put("params", normalized);
  }

  /**
   * strategy + strategy_params when the strategy is named; the store applies instance defaults
   * otherwise.
   */
  private static JsonObject strategyChoice(Collector c, JsonObject in) {
    String strategy = c.string("strategy", false);
    JsonObject params = c.object("strategy_params");
    JsonObject out = new JsonObject();
    if (strategy != null
        && !Strategies.registry().isKnown(strategy)
        && INSTANCE_NAME.matcher(strategy).matches()) {
      // a strategy template's name: resolved (and its params merged, validated) by the store
      out.put("strategy_template", strategy); // store.StrategyTemplates.TEMPLATE_FIELD
      if (params != null) {
        out.put("strategy_params", params);
      }
    } else if (strategy != null) {
      out.put("strategy", strategy)
          .put(
              "strategy_params", c.strategyParams(strategy, params, "strategy", "strategy_params"));
    } else if (params != null) {
      out.put(
          "strategy_params",
          params); // validated against the instance's default strategy by the store
    }
    return out;
  }

  /** Collects field errors while reading typed fields. */
  private static final class Collector {
    private final JsonObject in;
    private final List<FieldError> errors = new ArrayList<>();

    Collector(JsonObject in, Set<String> known) {
      this.in = in;
      in.fieldNames().stream()
          .filter(f -> !known.contains(f))
          .sorted()
          .forEach(
              f ->
                  errors.add(
                      new FieldError(
                          f, "unknown field; expected some of " + new java.util.TreeSet<>(known))));
    }

    void error(String field, String message) {
      errors.add(new FieldError(field, message));
    }

    void check(Runnable rule) {
      try {
        rule.run();
      } catch (ValidationException e) {
        errors.addAll(e.errors());
      }
    }

    String string(String field, boolean required) {
      Object v = in.getValue(field);
      if (v == null) {
        if (required) {
          error(field, "is required");
        }
        return null;
      }
      if (!(v instanceof String s)) {
        error(field, "must be a string");
        return null;
      }
      return s;
    }

    String stringOr(String field, String fallback) {
      return in.getValue(field) == null ? fallback : string(field, false);
    }

    Integer integer(String field, Integer fallback) {
      Object v = in.getValue(field);
      if (v == null) {
        return fallback;
      }
      if (v instanceof Number n
          && !(v instanceof Double || v instanceof Float)
          && n.longValue() == n.intValue()) {
        return n.intValue();
      }
      error(field, "must be a whole number");
      return null;
    }

    /** An array of variable names (strings), or null when absent. */
    JsonArray names(String field) {
      Object v = in.getValue(field);
      if (v == null) {
        return null;
      }
      if (!(v instanceof JsonArray a)) {
        error(field, "must be an array of variable names");
        return null;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!(a.getValue(i) instanceof String)) {
          error(field + "[" + i + "]", "must be a string");
          return null;
        }
      }
      return a;
    }

    JsonObject object(String field) {
      Object v = in.getValue(field);
      if (v == null) {
        return null;
      }
      if (!(v instanceof JsonObject o)) {
        error(field, "must be a JSON object");
        return null;
      }
      return o;
    }

    JsonObject strategyParams(
        String strategy, JsonObject params, String strategyField, String paramsField) {
      if (strategy == null) {
        return null;
      }
      try {
        return ParamsJson.normalize(strategy, params);
      } catch (ValidationException e) {
        e.errors()
            .forEach(
                fe ->
                    errors.add(
                        new FieldError(
                            rename(fe.field(), strategyField, paramsField), fe.message())));
        return null;
      }
    }

    private static String rename(String field, String strategyField, String paramsField) {
      if (field.equals("strategy")) {
        return strategyField;
      }
      return field.startsWith("strategy_params")
          ? paramsField + field.substring("strategy_params".length())
          : field;
    }

    /** {@code hooks}, validated and in their stored form ({@code []} when absent or null). */
    JsonArray hooks() {
      JsonArray out = new JsonArray();
      try {
        Object raw = in.getValue("hooks");
        io.ctrlplane.deploy.Hook.parseAll(
                raw instanceof JsonArray a ? io.ctrlplane.deploy.codec.DeployJson.plain(a) : raw,
                "hooks")
            .forEach(h -> out.add(new JsonObject(new java.util.LinkedHashMap<>(h.toMap()))));
      } catch (ValidationException e) {
        errors.addAll(e.errors());
      }
      return out;
    }

    /** {@code release_command}, validated (null when absent or null: no release phase). */
    JsonArray releaseCommand() {
      try {
        Object raw = in.getValue("release_command");
        java.util.List<String> argv =
            io.ctrlplane.deploy.ReleaseCommand.parse(
                raw instanceof JsonArray a ? a.getList() : raw, "release_command");
        return argv == null ? null : new JsonArray(new java.util.ArrayList<>(argv));
      } catch (ValidationException e) {
        errors.addAll(e.errors());
        return null;
      }
    }

    /** {@code release_timeout_seconds}, validated (the default when absent or null). */
    Integer releaseTimeout() {
      try {
        return io.ctrlplane.deploy.ReleaseCommand.timeout(
            in.getValue("release_timeout_seconds"), "release_timeout_seconds");
      } catch (ValidationException e) {
        errors.addAll(e.errors());
        return null;
      }
    }

    /** {@code override_freeze} ({@code {reason}}), or null when absent. */
    JsonObject overrideFreeze() {
      return FreezeRequests.override(in.getValue("override_freeze"), errors);
    }

    boolean hasErrors() {
      return !errors.isEmpty();
    }

    void throwIfAny() {
      if (!errors.isEmpty()) {
        throw new ValidationException(errors);
      }
    }
  }
}
